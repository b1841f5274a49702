namespace VisionZip.Models.Performance;

/// <summary>
/// The shape of a LLaMA-family decoder as the cost model needs it (the fields of a transformers <c>text_config</c>).
/// </summary>
/// <param name="Layers"><c>num_hidden_layers</c>.</param>
/// <param name="Hidden"><c>hidden_size</c> (d).</param>
/// <param name="Intermediate"><c>intermediate_size</c> (m, SwiGLU width).</param>
/// <param name="Heads"><c>num_attention_heads</c>.</param>
/// <param name="KeyValueHeads"><c>num_key_value_heads</c> (grouped-query attention when below <paramref name="Heads"/>).</param>
/// <param name="HeadDim"><c>head_dim</c>.</param>
/// <param name="Vocab"><c>vocab_size</c> (rows of <c>lm_head</c>).</param>
public sealed record DecoderGeometry(int Layers, int Hidden, int Intermediate, int Heads, int KeyValueHeads, int HeadDim, int Vocab)
{
    /// <summary>Vicuna-7B, the language model of LLaVA-1.5-7B and LLaVA-NeXT-7B (Vicuna): 32 x (4096, 11008), 32 heads, vocab 32064.</summary>
    public static DecoderGeometry Vicuna7B { get; } = new(32, 4096, 11008, 32, 32, 128, 32064);

    /// <summary>Vicuna-13B (LLaVA-1.5-13B): 40 x (5120, 13824), 40 heads, vocab 32064.</summary>
    public static DecoderGeometry Vicuna13B { get; } = new(40, 5120, 13824, 40, 40, 128, 32064);

    /// <summary>Mistral-7B (LLaVA-NeXT-7B Mistral): 32 x (4096, 14336), 32 heads over 8 key/value heads, vocab 32064.</summary>
    public static DecoderGeometry Mistral7B { get; } = new(32, 4096, 14336, 32, 8, 128, 32064);

    /// <summary>Weights of one layer's seven projections (q, k, v, o, gate, up, down); norms are negligible and left out.</summary>
    public long ProjectionWeightsPerLayer
    {
        get
        {
            long query = (long)Heads * HeadDim;
            long keyValue = (long)KeyValueHeads * HeadDim;
            return Hidden * query + 2 * Hidden * keyValue + query * Hidden + 3L * Hidden * Intermediate;
        }
    }

    /// <summary>Output rows per layer of all seven projections (one int8 scale each).</summary>
    public long ProjectionRowsPerLayer => 2L * Heads * HeadDim + 2L * KeyValueHeads * HeadDim + Hidden + 2L * Intermediate;

    /// <summary>
    /// FLOPs (2 per multiply-add, matrix products only) of one layer running <paramref name="tokens"/> new positions
    /// after <paramref name="cachedTokens"/> cached ones: <c>2 T d (q + 2 kv + q) + 4 T S q + 6 T d m</c> with
    /// q = heads x head_dim, kv = kv_heads x head_dim, S = cached + T (dense attention scores, as the paper counts).
    /// </summary>
    /// <param name="tokens">New positions T.</param>
    /// <param name="cachedTokens">Positions already in the KV cache.</param>
    public double LayerFlops(long tokens, long cachedTokens = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(tokens);
        ArgumentOutOfRangeException.ThrowIfNegative(cachedTokens);
        double t = tokens;
        double d = Hidden;
        double query = (double)Heads * HeadDim;
        double keyValue = (double)KeyValueHeads * HeadDim;
        double projections = 2 * t * d * (query + 2 * keyValue + query);
        double attention = 4 * t * (cachedTokens + t) * query;
        double mlp = 6 * t * d * Intermediate;
        return projections + attention + mlp;
    }

    /// <summary>FLOPs of <c>lm_head</c> for one position (the prefill computes last-position logits only).</summary>
    public double LogitsFlops => 2.0 * Hidden * Vocab;

    /// <summary>Bytes of keys and values that <paramref name="tokens"/> positions hold across all layers.</summary>
    /// <param name="tokens">Cached positions.</param>
    /// <param name="elementSize">Bytes per element: 2 for float16 / bfloat16, 4 for float32.</param>
    public long KvCacheBytes(long tokens, int elementSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(tokens);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(elementSize);
        return 2L * Layers * KeyValueHeads * HeadDim * tokens * elementSize;
    }

    /// <summary>
    /// Bytes one decode step must read: every projection weight and <c>lm_head</c> once (int8 adds a float32 scale per
    /// output row), one embedding row, and the keys and values of every cached position. At batch 1 these bytes
    /// over the memory bandwidth bound the step's time from below.
    /// </summary>
    /// <param name="contextTokens">Positions in the KV cache when the step runs.</param>
    /// <param name="weightBytes">Bytes per weight: 4 (float32), 2 (bfloat16 / float16) or 1 (int8).</param>
    /// <param name="kvElementSize">Bytes per cached key or value element.</param>
    public double DecodeBytesPerToken(long contextTokens, int weightBytes, int kvElementSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(weightBytes);
        long weights = Layers * ProjectionWeightsPerLayer + (long)Vocab * Hidden;
        long scales = weightBytes == 1 ? 4L * (Layers * ProjectionRowsPerLayer + Vocab) : 0;
        long embeddingRow = (long)Hidden * Math.Max(weightBytes, 2);
        return (double)weights * weightBytes + scales + embeddingRow + KvCacheBytes(contextTokens, kvElementSize);
    }
}
