using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using TorchSharp;
using static TorchSharp.torch;

namespace VisionZip.Models.Language.MatVec;

/// <summary>
/// <c>linear(input, weight, bias)</c> for one token on the CPU (a decode step), through the SIMD matrix-vector
/// kernels of this folder instead of torch's matmul: a decode step reads every weight once, so its time is the
/// weight bytes over the memory bandwidth, and torch's batch-1 path reaches only a fraction of it.
/// </summary>
/// <remarks>
/// Results are float32 sums rounded to the input dtype, as torch's own linear computes them, but summed in another
/// order (float32 parity holds to rounding). Anything else (several tokens, another device or dtype, a CPU without
/// AVX-512, a weight over 2 GiB) is declined and the caller runs torch's linear. The kernels' loops are compiled fully
/// optimised on first use (<see cref="MethodImplOptions.AggressiveOptimization"/>): the first tier's code made the first
/// hundred calls of a 4096 x 4096 product 1.7x slower (40 ms more), most of a first decode step.
/// </remarks>
internal static unsafe class SingleTokenLinear
{
    /// <summary>Whether the kernels run on this CPU.</summary>
    public static bool IsSupported => Vector512.IsHardwareAccelerated;

    /// <summary>Runs a dense float32 or bfloat16 linear when the kernels apply.</summary>
    /// <param name="input">[..., inputs] holding one token.</param>
    /// <param name="weight">[outputs, inputs], the input's dtype.</param>
    /// <param name="bias">[outputs] or null.</param>
    /// <param name="result">[..., outputs] in the input's dtype, when the kernels ran.</param>
    /// <returns>False when the caller must run torch's linear.</returns>
    public static bool TryDense(Tensor input, Tensor weight, Tensor? bias, out Tensor result)
    {
        result = null!;
        if (!Applies(input, weight) || weight.dtype != input.dtype ||
            input.dtype is not (ScalarType.Float32 or ScalarType.BFloat16))
        {
            return false;
        }

        using var scope = NewDisposeScope();
        int outputs = (int)weight.shape[0];
        int inputs = (int)weight.shape[1];
        var output = empty(OutputShape(input, outputs), ScalarType.Float32);
        nint outputAddress = TensorMemory.Address(output);
        nint weightAddress = TensorMemory.Address(weight);
        if (input.dtype == ScalarType.Float32)
        {
            var x = input.contiguous();
            nint inputAddress = TensorMemory.Address(x);
            RowPartition.Run(outputs, inputs * 4L, (start, end) =>
                Float32MatVec.Rows((float*)weightAddress, (float*)inputAddress, (float*)outputAddress, inputs, start, end));
        }
        else
        {
            var buffer = (float*)NativeMemory.AlignedAlloc((nuint)(2 * inputs * sizeof(float)), 64);
            try
            {
                float* x = buffer;
                float* deinterleaved = buffer + inputs;
                WidenBFloat16(input, x, inputs);
                BFloat16MatVec.Deinterleave(x, deinterleaved, inputs);
                nint inputAddress = (nint)x;
                nint deinterleavedAddress = (nint)deinterleaved;
                RowPartition.Run(outputs, inputs * 2L, (start, end) =>
                    BFloat16MatVec.Rows((ushort*)weightAddress, (float*)deinterleavedAddress, (float*)inputAddress,
                        (float*)outputAddress, inputs, start, end));
            }
            finally
            {
                NativeMemory.AlignedFree(buffer);
            }
        }

        result = Finish(output, bias, input.dtype).MoveToOuterDisposeScope();
        return true;
    }

    /// <summary>Runs a weight-only int8 linear when the kernels apply.</summary>
    /// <param name="input">[..., inputs] holding one token, float32 or bfloat16.</param>
    /// <param name="weight">[outputs, inputs] int8.</param>
    /// <param name="scales">[outputs] float32: row r of the real weight is <c>scales[r] * weight[r]</c>.</param>
    /// <param name="bias">[outputs] or null.</param>
    /// <param name="result">[..., outputs] in the input's dtype, when the kernels ran.</param>
    /// <returns>False when the caller must dequantise and run torch's linear.</returns>
    public static bool TryInt8(Tensor input, Tensor weight, Tensor scales, Tensor? bias, out Tensor result)
    {
        result = null!;
        if (!Int8MatVec.IsSupported || !Applies(input, weight) || input.dtype is not (ScalarType.Float32 or ScalarType.BFloat16))
        {
            return false;
        }

        using var scope = NewDisposeScope();
        int outputs = (int)weight.shape[0];
        int inputs = (int)weight.shape[1];
        var output = empty(OutputShape(input, outputs), ScalarType.Float32);
        var x = input.to(ScalarType.Float32).contiguous();
        nint outputAddress = TensorMemory.Address(output);
        nint weightAddress = TensorMemory.Address(weight);
        nint scalesAddress = TensorMemory.Address(scales);
        var quantized = (short*)NativeMemory.AlignedAlloc((nuint)(inputs * sizeof(short)), 64);
        try
        {
            float inputScale = Int8MatVec.QuantizeInput((float*)TensorMemory.Address(x), quantized, inputs);
            nint quantizedAddress = (nint)quantized;
            RowPartition.Run(outputs, inputs, (start, end) =>
                Int8MatVec.Rows((sbyte*)weightAddress, (float*)scalesAddress, (short*)quantizedAddress, inputScale,
                    (float*)outputAddress, inputs, start, end));
        }
        finally
        {
            NativeMemory.AlignedFree(quantized);
        }

        result = Finish(output, bias, input.dtype).MoveToOuterDisposeScope();
        return true;
    }

    private static bool Applies(Tensor input, Tensor weight) =>
        IsSupported &&
        input.device_type == DeviceType.CPU && weight.device_type == DeviceType.CPU &&
        weight.dim() == 2 && input.dim() >= 1 &&
        input.shape[^1] == weight.shape[1] && input.NumberOfElements == weight.shape[1] &&
        weight.is_contiguous() && weight.NumberOfElements * weight.ElementSize <= int.MaxValue &&
        !input.requires_grad;

    private static long[] OutputShape(Tensor input, int outputs)
    {
        var shape = input.shape.ToArray();
        shape[^1] = outputs;
        return shape;
    }

    private static Tensor Finish(Tensor output, Tensor? bias, ScalarType dtype)
    {
        if (bias is not null)
        {
            output.add_(bias);
        }

        return dtype == ScalarType.Float32 ? output : output.to(dtype);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void WidenBFloat16(Tensor input, float* target, int inputs)
    {
        var contiguous = input.contiguous(); // owned by the caller's dispose scope
        var bits = MemoryMarshal.Cast<byte, ushort>(contiguous.bytes);
        for (int i = 0; i < inputs; i++)
        {
            target[i] = BitConverter.Int32BitsToSingle(bits[i] << 16);
        }
    }
}
