using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace VisionZip.Models.Language.MatVec;

/// <summary>
/// <c>output[r] = scales[r] * (weights[r, :] . input)</c> for int8 weights with one float32 scale per row, in integer
/// arithmetic: the input is rounded once per call to 16-bit integers with one scale (<see cref="QuantizeInput"/>),
/// so each group of 32 weights costs one sign extension, one multiply-add of adjacent pairs and one add (AVX-512BW),
/// half the instructions of converting every weight to float32.
/// </summary>
/// <remarks>
/// The input's rounding (at most <c>max|input| / 65534</c> per element) is far below the weights' own int8 rounding
/// (<c>max|row| / 254</c>). Partial sums stay in int32 for at most <see cref="ChunkInputs"/> inputs: each lane then
/// holds at most 128 pair products of at most 2 x 127 x 32767, about 1.07e9, under int32's 2.1e9, before the chunk is
/// moved to a float32 accumulator. One row at a time (one sequential stream for the prefetcher).
/// </remarks>
internal static unsafe class Int8MatVec
{
    private const int Group = 32;
    private const int ChunkInputs = 8192;
    private const int InputLimit = short.MaxValue;

    /// <summary>Whether the CPU runs this kernel (AVX-512BW).</summary>
    public static bool IsSupported => Avx512BW.IsSupported;

    /// <summary>Rounds the input to int16 with one scale; returns the scale (<c>input ~ scale * quantized</c>).</summary>
    /// <param name="input">[inputs] float32.</param>
    /// <param name="quantized">[inputs] int16.</param>
    /// <param name="inputs">Length of the input.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float QuantizeInput(float* input, short* quantized, int inputs)
    {
        float maximum = 0;
        for (int i = 0; i < inputs; i++)
        {
            maximum = MathF.Max(maximum, MathF.Abs(input[i]));
        }

        if (maximum == 0 || !float.IsFinite(maximum))
        {
            // Zero input gives zero output; a non-finite one is passed on as NaN rather than hidden.
            new Span<short>(quantized, inputs).Clear();
            return maximum == 0 ? 1f : float.NaN;
        }

        float scale = maximum / InputLimit;
        float inverse = InputLimit / maximum;
        for (int i = 0; i < inputs; i++)
        {
            quantized[i] = (short)Math.Clamp(MathF.Round(input[i] * inverse), -InputLimit, InputLimit);
        }

        return scale;
    }

    /// <summary>Rows <paramref name="rowStart"/> to <paramref name="rowEnd"/> (exclusive).</summary>
    /// <param name="weights">[rows, inputs] row-major int8.</param>
    /// <param name="scales">[rows] float32.</param>
    /// <param name="input">[inputs] as <see cref="QuantizeInput"/> wrote it.</param>
    /// <param name="inputScale">What <see cref="QuantizeInput"/> returned.</param>
    /// <param name="output">[rows] float32; only the range is written.</param>
    /// <param name="inputs">Columns of the matrix (length of the input).</param>
    /// <param name="rowStart">First row.</param>
    /// <param name="rowEnd">End row (exclusive).</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Rows(sbyte* weights, float* scales, short* input, float inputScale, float* output, int inputs,
        int rowStart, int rowEnd)
    {
        int groupEnd = inputs - inputs % Group;
        for (int row = rowStart; row < rowEnd; row++)
        {
            sbyte* w = weights + (long)row * inputs;
            var total = Vector512<float>.Zero;
            int i = 0;
            while (i < groupEnd)
            {
                int chunkEnd = Math.Min(groupEnd, i + ChunkInputs);
                var sum0 = Vector512<int>.Zero;
                var sum1 = Vector512<int>.Zero;
                for (; i + 2 * Group <= chunkEnd; i += 2 * Group)
                {
                    sum0 += Avx512BW.MultiplyAddAdjacent(Widen(w + i), Vector512.Load(input + i));
                    sum1 += Avx512BW.MultiplyAddAdjacent(Widen(w + i + Group), Vector512.Load(input + i + Group));
                }

                if (i < chunkEnd)
                {
                    sum0 += Avx512BW.MultiplyAddAdjacent(Widen(w + i), Vector512.Load(input + i));
                    i += Group;
                }

                total += Vector512.ConvertToSingle(sum0) + Vector512.ConvertToSingle(sum1);
            }

            long tail = 0;
            for (; i < inputs; i++)
            {
                tail += w[i] * input[i];
            }

            output[row] = scales[row] * inputScale * (Vector512.Sum(total) + tail);
        }
    }

    // 32 int8 -> 32 int16 (vpmovsxbw).
    private static Vector512<short> Widen(sbyte* weights) => Avx512BW.ConvertToVector512Int16(Vector256.Load(weights));
}
