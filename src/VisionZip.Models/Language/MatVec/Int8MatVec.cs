using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace VisionZip.Models.Language.MatVec;

/// <summary>
/// <c>output[r] = scales[r] * (weights[r, :] . input)</c> for int8 weights with one float32 scale per row
/// (weight-only quantisation: the input stays float32, so the only error is the weights' rounding).
/// </summary>
/// <remarks>
/// Each group of 16 weights is sign-extended to int32 and converted to float32 in registers (AVX-512F), then
/// multiplied and added in float32; the row's scale is applied once to the sum. One row at a time (one sequential
/// stream), four groups per iteration for four independent accumulators.
/// </remarks>
internal static unsafe class Int8MatVec
{
    private const int Group = 16;

    /// <summary>Whether the CPU runs this kernel (AVX-512F).</summary>
    public static bool IsSupported => Avx512F.IsSupported;

    /// <summary>Rows <paramref name="rowStart"/> to <paramref name="rowEnd"/> (exclusive).</summary>
    /// <param name="weights">[rows, inputs] row-major int8.</param>
    /// <param name="scales">[rows] float32.</param>
    /// <param name="input">[inputs] float32.</param>
    /// <param name="output">[rows] float32; only the range is written.</param>
    /// <param name="inputs">Columns of the matrix (length of the input).</param>
    /// <param name="rowStart">First row.</param>
    /// <param name="rowEnd">End row (exclusive).</param>
    public static void Rows(sbyte* weights, float* scales, float* input, float* output, int inputs, int rowStart, int rowEnd)
    {
        int unrolledEnd = inputs - inputs % (4 * Group);
        int groupEnd = inputs - inputs % Group;
        for (int row = rowStart; row < rowEnd; row++)
        {
            sbyte* w = weights + (long)row * inputs;
            var sum0 = Vector512<float>.Zero;
            var sum1 = Vector512<float>.Zero;
            var sum2 = Vector512<float>.Zero;
            var sum3 = Vector512<float>.Zero;
            int i = 0;
            for (; i < unrolledEnd; i += 4 * Group)
            {
                sum0 = Vector512.FusedMultiplyAdd(Widen(w + i), Vector512.Load(input + i), sum0);
                sum1 = Vector512.FusedMultiplyAdd(Widen(w + i + 16), Vector512.Load(input + i + 16), sum1);
                sum2 = Vector512.FusedMultiplyAdd(Widen(w + i + 32), Vector512.Load(input + i + 32), sum2);
                sum3 = Vector512.FusedMultiplyAdd(Widen(w + i + 48), Vector512.Load(input + i + 48), sum3);
            }

            for (; i < groupEnd; i += Group)
            {
                sum0 = Vector512.FusedMultiplyAdd(Widen(w + i), Vector512.Load(input + i), sum0);
            }

            float sum = Vector512.Sum((sum0 + sum1) + (sum2 + sum3));
            for (; i < inputs; i++)
            {
                sum += w[i] * input[i];
            }

            output[row] = scales[row] * sum;
        }
    }

    // 16 int8 -> 16 float32 (vpmovsxbd + vcvtdq2ps).
    private static Vector512<float> Widen(sbyte* weights) =>
        Avx512F.ConvertToVector512Single(Avx512F.ConvertToVector512Int32(Vector128.Load(weights)));
}
