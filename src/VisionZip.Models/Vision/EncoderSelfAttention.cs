using static TorchSharp.torch;

namespace VisionZip.Models.Vision;

/// <summary>
/// <c>softmax(q k^T * scale) v</c> over every token (no mask, no dropout): the encoder's attention, decided here per
/// dtype and device.
/// </summary>
/// <remarks>
/// bfloat16 on the CPU runs as explicit products with the numerics of torch's fused kernel: the scores and their softmax
/// in float32, the probabilities rounded to bfloat16 for the product with the values (float32 accumulation). torch's
/// <c>scaled_dot_product_attention</c> kernel reaches about 100 GFLOP/s here in bfloat16, a sixth of the matmul rate, so
/// for CLIP-L/336 (577 tokens, 16 heads) it took 13 ms of a 51 ms layer. Scores rounded to bfloat16 (transformers'
/// "eager" attention) would be faster still but lose up to a quarter of a logit on peaked rows (scores of 100), which
/// the CLS attention VisionZip ranks by has. The scores are materialised a few heads of one image at a time (at most
/// <see cref="MaxScoresPerChunk"/>): small temporaries stay in the cache and in reused heap memory, where one
/// [16, 577, 577] float32 block (21 MB) made the layer 10x slower through fresh pages on every call. The scores and
/// their softmax are one SIMD pass (<see cref="AttentionProbabilitiesKernel"/>) where the CPU has 512-bit vectors,
/// torch's float32 matmul and softmax elsewhere. float32 (the parity path), other devices and anything that records
/// gradients keep torch's fused kernel, which never materialises the scores.
/// </remarks>
internal static class EncoderSelfAttention
{
    /// <summary>Largest number of scores one chunk materialises (6 of CLIP-L/336's 16 heads: 4 MiB of bf16 probabilities, 8 MiB as float32 scores without the kernel).</summary>
    internal const long MaxScoresPerChunk = 1L << 21;

    /// <summary>The attention's output [B, H, N, Dh].</summary>
    /// <param name="query">[B, H, N, Dh] (any strides: views of the fused projection).</param>
    /// <param name="key">[B, H, N, Dh].</param>
    /// <param name="value">[B, H, N, Dh].</param>
    /// <param name="scale">Multiplies the scores before the softmax: <c>1 / sqrt(Dh)</c> for CLIP and SigLIP.</param>
    public static Tensor Compute(Tensor query, Tensor key, Tensor value, double scale) =>
        Compute(query, key, value, scale, MaxScoresPerChunk);

    /// <summary><see cref="Compute(Tensor, Tensor, Tensor, double)"/> with at most <paramref name="maxScoresPerChunk"/> scores at once.</summary>
    /// <param name="query">[B, H, N, Dh].</param>
    /// <param name="key">[B, H, N, Dh].</param>
    /// <param name="value">[B, H, N, Dh].</param>
    /// <param name="scale">Multiplies the scores before the softmax.</param>
    /// <param name="maxScoresPerChunk">Most scores materialised at once (at least one head).</param>
    /// <param name="useKernel">False to take torch's products for the probabilities even where the kernel runs (measurements compare the two).</param>
    internal static Tensor Compute(Tensor query, Tensor key, Tensor value, double scale, long maxScoresPerChunk, bool useKernel = true)
    {
        if (!UsesExplicitProducts(query))
        {
            return nn.functional.scaled_dot_product_attention(query, key, value);   // its default scale is 1 / sqrt(Dh)
        }

        using var scope = NewDisposeScope();
        long batch = query.shape[0], heads = query.shape[1], tokens = query.shape[2];
        long headsPerChunk = Math.Clamp(maxScoresPerChunk / (tokens * tokens), 1, heads);
        var context = empty(query.shape, query.dtype, query.device);                       // [B, H, N, Dh]
        for (long image = 0; image < batch; image++)
        {
            for (long head = 0; head < heads; head += headsPerChunk)
            {
                using var step = NewDisposeScope();
                long count = Math.Min(headsPerChunk, heads - head);
                Tensor Slice(Tensor t) => t.narrow(0, image, 1).narrow(1, head, count);
                // Widened per chunk, not for the whole batch: many tiles or frames hold no float32 copy of q and k.
                var probabilities = Probabilities(Slice(query), Slice(key), scale, useKernel); // [1, h, N, N] bf16
                Slice(context).copy_(probabilities.matmul(Slice(value)));                     // [1, h, N, Dh]
            }
        }

        return context.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// <c>softmax(q k^T * scale)</c> with float32 scores, rounded to the query's dtype: the SIMD kernel where it runs
    /// (<see cref="AttentionProbabilitiesKernel"/>), else torch's float32 matmul and softmax.
    /// </summary>
    /// <param name="queries">[1, h, N, Dh] bfloat16.</param>
    /// <param name="keys">[1, h, N, Dh] bfloat16.</param>
    /// <param name="scale">Multiplies the scores.</param>
    /// <param name="useKernel">False to take torch's products even where the kernel runs (tests compare the two).</param>
    internal static unsafe Tensor Probabilities(Tensor queries, Tensor keys, double scale, bool useKernel = true)
    {
        long heads = queries.shape[1], tokens = queries.shape[2], headDim = queries.shape[3];
        bool kernel = useKernel && AttentionProbabilitiesKernel.IsSupported && queries.dtype == ScalarType.BFloat16 &&
                      queries.device_type == TorchSharp.DeviceType.CPU && heads * tokens * tokens * 2 <= int.MaxValue;   // raw addresses: under 2 GiB
        if (!kernel)
        {
            var keysT = keys.to(ScalarType.Float32).transpose(-1, -2);                     // [1, h, Dh, N]
            return queries.to(ScalarType.Float32).matmul(keysT).mul_(scale).softmax(-1).to(queries.dtype);
        }

        var wideQueries = queries.to(ScalarType.Float32).contiguous();                      // [1, h, N, Dh]
        long padded = AttentionProbabilitiesKernel.PaddedTokens((int)tokens);
        var keysTransposed = empty([1, heads, headDim, padded], ScalarType.Float32);
        keysTransposed.narrow(3, 0, tokens).copy_(keys.transpose(-1, -2));                 // widened as it is copied
        keysTransposed.narrow(3, tokens, padded - tokens).zero_();                          // read, never used: no denormals or NaN
        var probabilities = empty([1, heads, tokens, tokens], queries.dtype);
        AttentionProbabilitiesKernel.Compute(
            (float*)TensorMemory.Address(wideQueries),
            (float*)TensorMemory.Address(keysTransposed),
            (ushort*)TensorMemory.Address(probabilities),
            (int)heads, (int)tokens, (int)headDim, (float)scale);
        return probabilities;
    }

    /// <summary>Whether <see cref="Compute(Tensor, Tensor, Tensor, double)"/> takes the explicit products for a query like <paramref name="query"/>.</summary>
    internal static bool UsesExplicitProducts(Tensor query) =>
        query.dtype == ScalarType.BFloat16 && query.device_type == TorchSharp.DeviceType.CPU && !query.requires_grad;
}
