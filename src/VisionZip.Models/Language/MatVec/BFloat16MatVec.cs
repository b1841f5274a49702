using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace VisionZip.Models.Language.MatVec;

/// <summary>
/// <c>output[r] = weights[r, :] . input</c> for bfloat16 weights, accumulated in float32 (what torch's bf16 matmul
/// does before rounding its result).
/// </summary>
/// <remarks>
/// A bfloat16 is the top half of a float32, so no conversion instruction is needed: one 64-byte load holds 32 weights
/// as 16 pairs; shifting each 32-bit lane left by 16 gives the even-indexed weights as floats, masking off the low
/// half gives the odd-indexed ones. The input is laid out to match once per call (<see cref="Deinterleave"/>), so the
/// inner loop is one load, a shift, an and and two fused multiply-adds per 32 weights. One row at a time (one
/// sequential stream), two blocks per iteration for four independent accumulators.
/// </remarks>
internal static unsafe class BFloat16MatVec
{
    /// <summary>Weights per block: one 512-bit load.</summary>
    public const int Block = 32;

    /// <summary>
    /// Writes <paramref name="input"/> block by block as its 16 even-indexed values then its 16 odd-indexed values;
    /// the last <c>inputs % 32</c> values are not copied (the kernel reads them from the input itself).
    /// </summary>
    /// <param name="input">[inputs] float32.</param>
    /// <param name="deinterleaved">[inputs - inputs % 32].</param>
    /// <param name="inputs">Length of the input.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Deinterleave(float* input, float* deinterleaved, int inputs)
    {
        int blocks = inputs / Block;
        for (int block = 0; block < blocks; block++)
        {
            float* source = input + block * Block;
            float* target = deinterleaved + block * Block;
            for (int j = 0; j < Block / 2; j++)
            {
                target[j] = source[2 * j];
                target[Block / 2 + j] = source[2 * j + 1];
            }
        }
    }

    /// <summary>Rows <paramref name="rowStart"/> to <paramref name="rowEnd"/> (exclusive).</summary>
    /// <param name="weights">[rows, inputs] row-major bfloat16 bits.</param>
    /// <param name="deinterleaved">The input as <see cref="Deinterleave"/> wrote it.</param>
    /// <param name="input">[inputs] float32, for the tail that does not fill a block.</param>
    /// <param name="output">[rows] float32; only the range is written.</param>
    /// <param name="inputs">Columns of the matrix (length of the input).</param>
    /// <param name="rowStart">First row.</param>
    /// <param name="rowEnd">End row (exclusive).</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Rows(ushort* weights, float* deinterleaved, float* input, float* output, int inputs, int rowStart, int rowEnd)
    {
        int pairEnd = inputs - inputs % (2 * Block);
        int blockEnd = inputs - inputs % Block;
        var highHalf = Vector512.Create(0xFFFF0000u);
        for (int row = rowStart; row < rowEnd; row++)
        {
            ushort* w = weights + (long)row * inputs;
            var sum0 = Vector512<float>.Zero;
            var sum1 = Vector512<float>.Zero;
            var sum2 = Vector512<float>.Zero;
            var sum3 = Vector512<float>.Zero;
            int i = 0;
            for (; i < pairEnd; i += 2 * Block)
            {
                var first = Vector512.Load((uint*)(w + i));           // 16 lanes of (odd << 16 | even)
                var second = Vector512.Load((uint*)(w + i + Block));
                sum0 = Vector512.FusedMultiplyAdd(Vector512.ShiftLeft(first, 16).AsSingle(), Vector512.Load(deinterleaved + i), sum0);
                sum1 = Vector512.FusedMultiplyAdd((first & highHalf).AsSingle(), Vector512.Load(deinterleaved + i + 16), sum1);
                sum2 = Vector512.FusedMultiplyAdd(Vector512.ShiftLeft(second, 16).AsSingle(), Vector512.Load(deinterleaved + i + 32), sum2);
                sum3 = Vector512.FusedMultiplyAdd((second & highHalf).AsSingle(), Vector512.Load(deinterleaved + i + 48), sum3);
            }

            if (i < blockEnd)
            {
                var pairs = Vector512.Load((uint*)(w + i));
                sum0 = Vector512.FusedMultiplyAdd(Vector512.ShiftLeft(pairs, 16).AsSingle(), Vector512.Load(deinterleaved + i), sum0);
                sum1 = Vector512.FusedMultiplyAdd((pairs & highHalf).AsSingle(), Vector512.Load(deinterleaved + i + 16), sum1);
                i += Block;
            }

            float sum = Vector512.Sum((sum0 + sum1) + (sum2 + sum3));
            for (; i < inputs; i++)
            {
                sum += BitConverter.Int32BitsToSingle(w[i] << 16) * input[i];
            }

            output[row] = sum;
        }
    }
}
