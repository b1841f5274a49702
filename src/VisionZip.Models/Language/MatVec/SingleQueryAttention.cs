using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using TorchSharp;
using static TorchSharp.torch;

namespace VisionZip.Models.Language.MatVec;

/// <summary>
/// Attention of one new query per head over every cached position (a decode step), read straight from the KV
/// cache's buffers: <c>softmax(q . K^T / sqrt(head_dim)) . V</c> in float32 per head, the heads split over the cores.
/// </summary>
/// <remarks>
/// Why not torch's scaled_dot_product_attention: for one query over a bfloat16 cache it ran 20-50x slower than
/// reading the cache takes (6-12 ms per layer at 615 positions, ~30 ms at 2967, against 0.25 / 1.2 ms of bytes at
/// 40 GB/s), which at 32 layers made a decode step over a vanilla LLaVA prompt hundreds of milliseconds slower than
/// over a zipped one. Here each head streams its keys once (scores), then its values once (the weighted sum). Query
/// heads that share a key/value head (grouped-query attention) read the same rows. Sums are float32, rounded to the
/// cache dtype once at the end, as torch's fused CPU kernel does; float32 parity holds to summation order.
/// bfloat16 rows are widened like <see cref="BFloat16MatVec"/> does: the even-indexed values by a shift, the odd ones
/// by a mask, so the query is de-interleaved once and the value sums are re-interleaved once.
/// </remarks>
internal static unsafe class SingleQueryAttention
{
    /// <summary>Runs the attention when the kernel applies.</summary>
    /// <param name="query">[B, heads, 1, head_dim], after RoPE.</param>
    /// <param name="keys">The cache's key buffer [B, kv_heads, capacity, head_dim], contiguous.</param>
    /// <param name="values">The cache's value buffer, same shape.</param>
    /// <param name="length">Cached positions to attend (the query's own included), at most the capacity.</param>
    /// <param name="context">[B, heads, 1, head_dim] in the query's dtype, when the kernel ran.</param>
    /// <returns>False when the caller must run scaled_dot_product_attention.</returns>
    public static bool TryRun(Tensor query, Tensor keys, Tensor values, int length, out Tensor context)
    {
        context = null!;
        if (!Applies(query, keys, values, length))
        {
            return false;
        }

        using var scope = NewDisposeScope();
        int batch = (int)query.shape[0];
        int heads = (int)query.shape[1];
        int headDim = (int)query.shape[3];
        int keyValueHeads = (int)keys.shape[1];
        int capacity = (int)keys.shape[2];
        bool bfloat16 = query.dtype == ScalarType.BFloat16;
        var q = query.to(ScalarType.Float32).contiguous();           // [B, H, 1, Dh]
        var output = empty([batch, heads, 1, headDim], ScalarType.Float32);   // every head writes all of its row
        float* queries = (float*)TensorMemory.Address(q);
        float* outputs = (float*)TensorMemory.Address(output);
        byte* keyBase = (byte*)TensorMemory.Address(keys);
        byte* valueBase = (byte*)TensorMemory.Address(values);
        int elementSize = bfloat16 ? 2 : 4;
        long headStride = (long)capacity * headDim * elementSize;     // bytes between kv heads in a buffer
        int groups = heads / keyValueHeads;
        float scale = 1f / MathF.Sqrt(headDim);
        var scratch = (float*)NativeMemory.AlignedAlloc((nuint)((long)batch * heads * (length + 3 * headDim) * sizeof(float)), 64);
        try
        {
            nint queryAddress = (nint)queries, outputAddress = (nint)outputs, keyAddress = (nint)keyBase;
            nint valueAddress = (nint)valueBase, scratchAddress = (nint)scratch;
            Parallel.For(0, batch * heads, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, index =>
            {
                int b = index / heads;
                int kvHead = b * keyValueHeads + index % heads / groups;
                float* own = (float*)scratchAddress + (long)index * (length + 3 * headDim);
                float* scores = own;                 // [length]
                float* scaledQuery = own + length;               // [head_dim]
                float* deinterleavedQuery = scaledQuery + headDim; // [head_dim], bfloat16 only
                float* sums = deinterleavedQuery + headDim;        // [head_dim], de-interleaved per whole block for bfloat16
                byte* headKeys = (byte*)keyAddress + kvHead * headStride;
                byte* headValues = (byte*)valueAddress + kvHead * headStride;
                float* result = (float*)outputAddress + (long)index * headDim;
                Head((float*)queryAddress + (long)index * headDim, headKeys, headValues, scores, scaledQuery, deinterleavedQuery, sums, result,
                    length, headDim, scale, bfloat16);
            });
        }
        finally
        {
            NativeMemory.AlignedFree(scratch);
        }

        context = (bfloat16 ? output.to(ScalarType.BFloat16) : output).MoveToOuterDisposeScope();
        return true;
    }

    private static bool Applies(Tensor query, Tensor keys, Tensor values, int length) =>
        SingleTokenLinear.IsSupported &&
        query.dim() == 4 && keys.dim() == 4 && query.shape[2] == 1 &&
        query.dtype is ScalarType.Float32 or ScalarType.BFloat16 &&
        keys.dtype == query.dtype && values.dtype == query.dtype &&
        query.device_type == DeviceType.CPU && keys.device_type == DeviceType.CPU && values.device_type == DeviceType.CPU &&
        keys.shape.SequenceEqual(values.shape) && keys.shape[0] == query.shape[0] && keys.shape[3] == query.shape[3] &&
        query.shape[1] % keys.shape[1] == 0 &&
        length >= 1 && length <= keys.shape[2] &&
        keys.is_contiguous() && values.is_contiguous() &&
        keys.NumberOfElements * keys.ElementSize <= int.MaxValue &&
        !query.requires_grad && !keys.requires_grad && !values.requires_grad;

    // One (batch, head): scores over the cached keys, softmax, then the weighted sum of the cached values.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Head(float* query, byte* keys, byte* values, float* scores, float* scaledQuery,
        float* deinterleavedQuery, float* sums, float* result, int length, int headDim, float scale, bool bfloat16)
    {
        for (int d = 0; d < headDim; d++)
        {
            scaledQuery[d] = query[d] * scale;
        }

        if (bfloat16)
        {
            BFloat16MatVec.Deinterleave(scaledQuery, deinterleavedQuery, headDim);
            BFloat16MatVec.Rows((ushort*)keys, deinterleavedQuery, scaledQuery, scores, headDim, 0, length);
            Softmax(scores, length);
            WeightedSumBFloat16((ushort*)values, scores, sums, length, headDim);
            Reinterleave(sums, result, headDim);
        }
        else
        {
            Float32MatVec.Rows((float*)keys, scaledQuery, scores, headDim, 0, length);
            Softmax(scores, length);
            WeightedSumFloat32((float*)values, scores, result, length, headDim);
        }
    }

    // In place: exp(x - max) / sum, in float32.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Softmax(float* scores, int length)
    {
        int vectorEnd = length - length % 16;
        float max = float.NegativeInfinity;
        int i = 0;
        if (vectorEnd > 0)
        {
            var maxima = Vector512.Load(scores);
            for (i = 16; i < vectorEnd; i += 16)
            {
                maxima = Vector512.Max(maxima, Vector512.Load(scores + i));
            }

            for (int lane = 0; lane < 16; lane++)
            {
                max = MathF.Max(max, maxima.GetElement(lane));
            }
        }

        for (i = vectorEnd; i < length; i++)
        {
            max = MathF.Max(max, scores[i]);
        }

        var shift = Vector512.Create(max);
        var sums = Vector512<float>.Zero;
        for (i = 0; i < vectorEnd; i += 16)
        {
            var e = Vector512.Exp(Vector512.Load(scores + i) - shift);
            e.Store(scores + i);
            sums += e;
        }

        float sum = Vector512.Sum(sums);
        for (; i < length; i++)
        {
            scores[i] = MathF.Exp(scores[i] - max);
            sum += scores[i];
        }

        var inverse = Vector512.Create(1f / sum);
        for (i = 0; i < vectorEnd; i += 16)
        {
            (Vector512.Load(scores + i) * inverse).Store(scores + i);
        }

        for (; i < length; i++)
        {
            scores[i] /= sum;
        }
    }

    // sum[d] = sum_s p[s] * V[s, d] for float32 rows.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void WeightedSumFloat32(float* values, float* weights, float* sum, int length, int headDim)
    {
        new Span<float>(sum, headDim).Clear();
        int vectorEnd = headDim - headDim % 16;
        for (int s = 0; s < length; s++)
        {
            float w = weights[s];
            var weight = Vector512.Create(w);
            float* row = values + (long)s * headDim;
            int d = 0;
            for (; d < vectorEnd; d += 16)
            {
                Vector512.FusedMultiplyAdd(weight, Vector512.Load(row + d), Vector512.Load(sum + d)).Store(sum + d);
            }

            for (; d < headDim; d++)
            {
                sum[d] += w * row[d];
            }
        }
    }

    // The same for bfloat16 rows; the sums of each whole block of 32 come out de-interleaved (16 even-indexed values,
    // then the 16 odd ones), the tail after the last whole block in order.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void WeightedSumBFloat16(ushort* values, float* weights, float* sum, int length, int headDim)
    {
        new Span<float>(sum, headDim).Clear();
        int blockEnd = headDim - headDim % BFloat16MatVec.Block;
        var highHalf = Vector512.Create(0xFFFF0000u);
        for (int s = 0; s < length; s++)
        {
            float w = weights[s];
            var weight = Vector512.Create(w);
            ushort* row = values + (long)s * headDim;
            int d = 0;
            for (; d < blockEnd; d += BFloat16MatVec.Block)
            {
                var pairs = Vector512.Load((uint*)(row + d));   // 16 lanes of (odd << 16 | even)
                Vector512.FusedMultiplyAdd(weight, Vector512.ShiftLeft(pairs, 16).AsSingle(), Vector512.Load(sum + d)).Store(sum + d);
                Vector512.FusedMultiplyAdd(weight, (pairs & highHalf).AsSingle(), Vector512.Load(sum + d + 16)).Store(sum + d + 16);
            }

            for (; d < headDim; d++)
            {
                sum[d] += w * BitConverter.Int32BitsToSingle(row[d] << 16);
            }
        }
    }

    // Undoes BFloat16MatVec.Deinterleave: per whole block of 32, 16 even-indexed then 16 odd-indexed values; the tail
    // is already in order.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Reinterleave(float* deinterleaved, float* target, int count)
    {
        int blockEnd = count - count % BFloat16MatVec.Block;
        for (int block = 0; block < blockEnd; block += BFloat16MatVec.Block)
        {
            for (int j = 0; j < BFloat16MatVec.Block / 2; j++)
            {
                target[block + 2 * j] = deinterleaved[block + j];
                target[block + 2 * j + 1] = deinterleaved[block + BFloat16MatVec.Block / 2 + j];
            }
        }

        for (int d = blockEnd; d < count; d++)
        {
            target[d] = deinterleaved[d];
        }
    }
}
