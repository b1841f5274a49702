using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace VisionZip.Models.Vision;

/// <summary>
/// <c>softmax(scale * q k^T)</c> rounded to bfloat16, from float32 queries and keys, in one pass per block of query
/// rows: the scores of a block live in a small per-thread buffer (the cache) and never as a float32 tensor.
/// </summary>
/// <remarks>
/// torch has no bf16 x bf16 -> float32 product, so the explicit attention widened q and k and ran a float32 matmul
/// with an inner dimension of 64, which MKL takes at about a third of its float32 rate on this CPU (the largest part of
/// the bf16 encoder's attention), then a softmax and a conversion, each one more pass over [heads, N, N] floats. Here a
/// register block of 6 query rows by 32 keys is accumulated over the head dimension with broadcast-multiply-adds (12
/// accumulators: two fused multiply-adds per cycle stay busy), scaled, and the finished rows go through
/// max, exp, sum and normalise before rounding to nearest-even bfloat16 (torch's conversion). The products are
/// exact (the inputs are widened bfloat16) and the sums float32, as before; only the order of the additions differs.
/// The loops are compiled fully optimised on first use (<see cref="MethodImplOptions.AggressiveOptimization"/>): the
/// first tier's code, every vector operation a call, was 15x slower for the first few dozen calls (a whole image).
/// </remarks>
internal static unsafe class AttentionProbabilitiesKernel
{
    /// <summary>Query rows per register block.</summary>
    private const int RowBlock = 6;

    /// <summary>Floats per vector.</summary>
    private const int Lanes = 16;

    /// <summary>Work items per core handed to the thread pool: load balance against other processes.</summary>
    private const int ItemsPerCore = 8;

    /// <summary>Whether the kernel runs on this CPU (512-bit vectors).</summary>
    public static bool IsSupported => Vector512.IsHardwareAccelerated;

    /// <summary>Key columns the kernel reads per head: <paramref name="tokens"/> rounded up to a whole vector.</summary>
    public static int PaddedTokens(int tokens) => (tokens + Lanes - 1) / Lanes * Lanes;

    /// <summary>Writes <c>probabilities[h, i, j] = softmax_j(scale * q[h, i, :] . k[h, j, :])</c> as bfloat16 bits.</summary>
    /// <param name="queries">[heads, tokens, headDim] float32, contiguous.</param>
    /// <param name="keysTransposed">[heads, headDim, <see cref="PaddedTokens"/>] float32, contiguous; the padding columns are read but not used.</param>
    /// <param name="probabilities">[heads, tokens, tokens] bfloat16 bits, contiguous; every element is written.</param>
    /// <param name="heads">Heads.</param>
    /// <param name="tokens">Tokens (rows and columns of each head's scores).</param>
    /// <param name="headDim">Inner dimension of the scores.</param>
    /// <param name="scale">Multiplies the scores before the softmax.</param>
    public static void Compute(float* queries, float* keysTransposed, ushort* probabilities, int heads, int tokens, int headDim, float scale)
    {
        int padded = PaddedTokens(tokens);
        int blocksPerHead = (tokens + RowBlock - 1) / RowBlock;
        int items = heads * blocksPerHead;
        int itemsPerChunk = Math.Max(1, items / (Environment.ProcessorCount * ItemsPerCore));
        int chunks = (items + itemsPerChunk - 1) / itemsPerChunk;
        nint q = (nint)queries, k = (nint)keysTransposed, p = (nint)probabilities;
        Parallel.For(0, chunks, chunk => Chunk(q, k, p, chunk * itemsPerChunk, Math.Min(items, (chunk + 1) * itemsPerChunk),
            blocksPerHead, tokens, headDim, padded, scale));
    }

    // Work items [first, end): blocks of RowBlock query rows, head-major.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Chunk(nint q, nint k, nint p, int first, int end, int blocksPerHead, int tokens, int headDim, int padded, float scale)
    {
        var scores = (float*)NativeMemory.AlignedAlloc((nuint)(RowBlock * padded * sizeof(float)), 64);
        try
        {
            for (int item = first; item < end; item++)
            {
                int head = item / blocksPerHead;
                int row = item % blocksPerHead * RowBlock;
                int rows = Math.Min(RowBlock, tokens - row);
                float* headQueries = (float*)q + ((long)head * tokens + row) * headDim;
                float* headKeys = (float*)k + (long)head * headDim * padded;
                ushort* headProbabilities = (ushort*)p + ((long)head * tokens + row) * tokens;
                if (rows == RowBlock)
                {
                    Scores6(headQueries, headKeys, scores, headDim, padded, scale);
                }
                else
                {
                    for (int r = 0; r < rows; r++)
                    {
                        Scores1(headQueries + r * headDim, headKeys, scores + r * padded, headDim, padded, scale);
                    }
                }

                for (int r = 0; r < rows; r++)
                {
                    SoftmaxToBFloat16(scores + r * padded, headProbabilities + (long)r * tokens, tokens);
                }
            }
        }
        finally
        {
            NativeMemory.AlignedFree(scores);
        }
    }

    // scores[r, j] = scale * sum_d q[r, d] * kT[d, j] for 6 rows and every padded column.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Scores6(float* q, float* kT, float* scores, int headDim, int padded, float scale)
    {
        float* q0 = q, q1 = q + headDim, q2 = q1 + headDim, q3 = q2 + headDim, q4 = q3 + headDim, q5 = q4 + headDim;
        var factor = Vector512.Create(scale);
        int j = 0;
        for (; j + 2 * Lanes <= padded; j += 2 * Lanes)
        {
            Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default;
            Vector512<float> b0 = default, b1 = default, b2 = default, b3 = default, b4 = default, b5 = default;
            float* column = kT + j;
            for (int d = 0; d < headDim; d++, column += padded)
            {
                var left = Vector512.Load(column);
                var right = Vector512.Load(column + Lanes);
                var x = Vector512.Create(q0[d]);
                a0 = Vector512.FusedMultiplyAdd(x, left, a0);
                b0 = Vector512.FusedMultiplyAdd(x, right, b0);
                x = Vector512.Create(q1[d]);
                a1 = Vector512.FusedMultiplyAdd(x, left, a1);
                b1 = Vector512.FusedMultiplyAdd(x, right, b1);
                x = Vector512.Create(q2[d]);
                a2 = Vector512.FusedMultiplyAdd(x, left, a2);
                b2 = Vector512.FusedMultiplyAdd(x, right, b2);
                x = Vector512.Create(q3[d]);
                a3 = Vector512.FusedMultiplyAdd(x, left, a3);
                b3 = Vector512.FusedMultiplyAdd(x, right, b3);
                x = Vector512.Create(q4[d]);
                a4 = Vector512.FusedMultiplyAdd(x, left, a4);
                b4 = Vector512.FusedMultiplyAdd(x, right, b4);
                x = Vector512.Create(q5[d]);
                a5 = Vector512.FusedMultiplyAdd(x, left, a5);
                b5 = Vector512.FusedMultiplyAdd(x, right, b5);
            }

            float* s = scores + j;
            (a0 * factor).Store(s);
            (b0 * factor).Store(s + Lanes);
            (a1 * factor).Store(s + padded);
            (b1 * factor).Store(s + padded + Lanes);
            (a2 * factor).Store(s + 2 * padded);
            (b2 * factor).Store(s + 2 * padded + Lanes);
            (a3 * factor).Store(s + 3 * padded);
            (b3 * factor).Store(s + 3 * padded + Lanes);
            (a4 * factor).Store(s + 4 * padded);
            (b4 * factor).Store(s + 4 * padded + Lanes);
            (a5 * factor).Store(s + 5 * padded);
            (b5 * factor).Store(s + 5 * padded + Lanes);
        }

        if (j < padded)   // one vector of columns left
        {
            for (int r = 0; r < RowBlock; r++)
            {
                Column(q + r * headDim, kT + j, scores + r * padded + j, headDim, padded, factor);
            }
        }
    }

    // One query row against every padded column.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Scores1(float* q, float* kT, float* scores, int headDim, int padded, float scale)
    {
        var factor = Vector512.Create(scale);
        for (int j = 0; j < padded; j += Lanes)
        {
            Column(q, kT + j, scores + j, headDim, padded, factor);
        }
    }

    // 16 columns of one row.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Column(float* q, float* kT, float* scores, int headDim, int padded, Vector512<float> factor)
    {
        var sum = Vector512<float>.Zero;
        for (int d = 0; d < headDim; d++)
        {
            sum = Vector512.FusedMultiplyAdd(Vector512.Create(q[d]), Vector512.Load(kT + (long)d * padded), sum);
        }

        (sum * factor).Store(scores);
    }

    // Softmax of the first `tokens` scores of a row, rounded to nearest-even bfloat16.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SoftmaxToBFloat16(float* scores, ushort* output, int tokens)
    {
        int vectorEnd = tokens - tokens % Lanes;
        var maxima = Vector512.Create(float.NegativeInfinity);
        for (int j = 0; j < vectorEnd; j += Lanes)
        {
            maxima = Vector512.Max(maxima, Vector512.Load(scores + j));
        }

        float max = float.NegativeInfinity;
        for (int lane = 0; lane < Lanes; lane++)
        {
            max = MathF.Max(max, maxima[lane]);
        }

        for (int j = vectorEnd; j < tokens; j++)
        {
            max = MathF.Max(max, scores[j]);
        }

        var shift = Vector512.Create(max);
        var sums = Vector512<float>.Zero;
        for (int j = 0; j < vectorEnd; j += Lanes)
        {
            var e = Vector512.Exp(Vector512.Load(scores + j) - shift);
            e.Store(scores + j);
            sums += e;
        }

        float sum = Vector512.Sum(sums);
        for (int j = vectorEnd; j < tokens; j++)
        {
            scores[j] = MathF.Exp(scores[j] - max);
            sum += scores[j];
        }

        float inverse = 1f / sum;
        var factor = Vector512.Create(inverse);
        int pairEnd = tokens - tokens % (2 * Lanes);
        int j2 = 0;
        for (; j2 < pairEnd; j2 += 2 * Lanes)
        {
            var low = BFloat16Bits.Round(Vector512.Load(scores + j2) * factor);
            var high = BFloat16Bits.Round(Vector512.Load(scores + j2 + Lanes) * factor);
            Vector512.Narrow(low, high).Store(output + j2);
        }

        for (; j2 < tokens; j2++)
        {
            output[j2] = BFloat16Bits.Round(scores[j2] * inverse);
        }
    }
}
