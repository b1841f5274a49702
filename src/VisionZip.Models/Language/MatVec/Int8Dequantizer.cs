using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using static TorchSharp.torch;

namespace VisionZip.Models.Language.MatVec;

/// <summary>
/// <c>dense[r, :] = scales[r] * weight[r, :]</c> for an int8 weight, written straight into float32 or bfloat16:
/// what a prompt (several tokens) multiplies by when the projections are stored as int8.
/// </summary>
/// <remarks>
/// Why not torch: its int8 -> float32 conversion, the broadcast multiply and the bfloat16 rounding ran at about
/// 0.1 G elements/s here (1.7 s for one 11008 x 4096 MLP matrix), so an int8 prefill spent ~25 s per two 7B layers
/// dequantising. This is one pass (read 1 byte, write 2 or 4) split over the cores. The result is bit for bit what
/// <c>(weight.to(float32) * scales[:, None]).to(dtype)</c> gives: the float32 product, then round to nearest even.
/// </remarks>
internal static unsafe class Int8Dequantizer
{
    /// <summary>The dense matrix, or null when the CPU path does not apply (the caller uses torch).</summary>
    /// <param name="weight">[outputs, inputs] int8, contiguous, on the CPU.</param>
    /// <param name="scales">[outputs] float32.</param>
    /// <param name="dtype">float32 or bfloat16.</param>
    public static Tensor? TryDense(Tensor weight, Tensor scales, ScalarType dtype)
    {
        if (!Avx512F.IsSupported || dtype is not (ScalarType.Float32 or ScalarType.BFloat16) ||
            weight.device_type != TorchSharp.DeviceType.CPU || !weight.is_contiguous() || weight.dim() != 2 ||
            weight.NumberOfElements * 4 > int.MaxValue || scales.dtype != ScalarType.Float32 || !scales.is_contiguous())
        {
            return null;
        }

        int rows = (int)weight.shape[0];
        int columns = (int)weight.shape[1];
        var dense = empty([rows, columns], dtype);
        nint source = TensorMemory.Address(weight);
        nint target = TensorMemory.Address(dense);
        nint scale = TensorMemory.Address(scales);
        bool bfloat16 = dtype == ScalarType.BFloat16;
        RowPartition.Run(rows, columns * (bfloat16 ? 3L : 5L), (start, end) =>
        {
            for (int row = start; row < end; row++)
            {
                sbyte* from = (sbyte*)source + (long)row * columns;
                float factor = ((float*)scale)[row];
                if (bfloat16)
                {
                    RowToBFloat16(from, (ushort*)target + (long)row * columns, factor, columns);
                }
                else
                {
                    RowToFloat32(from, (float*)target + (long)row * columns, factor, columns);
                }
            }
        });
        return dense;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RowToFloat32(sbyte* from, float* to, float factor, int count)
    {
        var scale = Vector512.Create(factor);
        int i = 0;
        for (; i <= count - 16; i += 16)
        {
            (Widen(from + i) * scale).Store(to + i);
        }

        for (; i < count; i++)
        {
            to[i] = from[i] * factor;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RowToBFloat16(sbyte* from, ushort* to, float factor, int count)
    {
        var scale = Vector512.Create(factor);
        int i = 0;
        for (; i <= count - 32; i += 32)
        {
            var low = BFloat16Bits.Round(Widen(from + i) * scale);
            var high = BFloat16Bits.Round(Widen(from + i + 16) * scale);
            Vector512.Narrow(low, high).Store(to + i);
        }

        for (; i < count; i++)
        {
            to[i] = BFloat16Bits.Round(from[i] * factor);
        }
    }

    // 16 int8 values as float32 (sign-extended, then converted exactly).
    private static Vector512<float> Widen(sbyte* from) =>
        Vector512.ConvertToSingle(Avx512F.ConvertToVector512Int32(Vector128.Load(from)));
}
