namespace VisionZip.Benchmarks;

/// <summary>
/// The VisionZip paper's per-layer cost model of a decoder layer over n tokens (d hidden, m MLP width):
/// <c>4 n d^2 + 2 n^2 d + 3 n d m</c> — the four attention projections, the two attention matmuls (QK^T, AV) and
/// the three SwiGLU projections, in multiply-adds. Layer count, lm_head and norms cancel out of the ratios.
/// </summary>
public static class PrefillFlopModel
{
    /// <summary>Multiply-adds of one decoder layer prefilling <paramref name="tokens"/> tokens.</summary>
    public static double PrefillLayer(long tokens, long hidden = PrefillCheckpoint.HiddenSize, long intermediate = PrefillCheckpoint.IntermediateSize)
    {
        double n = tokens;
        double d = hidden;
        return (4 * n * d * d) + (2 * n * n * d) + (3 * n * d * intermediate);
    }

    /// <summary>
    /// Multiply-adds of one decoder layer for one new token attending to <paramref name="cachedTokens"/> cached ones
    /// plus itself (the same model with one query row: <c>4 d^2 + 2 (n + 1) d + 3 d m</c>).
    /// </summary>
    public static double DecodeLayer(long cachedTokens, long hidden = PrefillCheckpoint.HiddenSize, long intermediate = PrefillCheckpoint.IntermediateSize)
    {
        double d = hidden;
        return (4 * d * d) + (2 * (cachedTokens + 1) * d) + (3 * d * intermediate);
    }

    /// <summary>Predicted speedup of <paramref name="tokens"/> over <paramref name="baselineTokens"/>: cost(baseline) / cost(tokens).</summary>
    public static double PredictedSpeedup(bool decode, long baselineTokens, long tokens) =>
        decode
            ? DecodeLayer(baselineTokens) / DecodeLayer(tokens)
            : PrefillLayer(baselineTokens) / PrefillLayer(tokens);

    /// <summary>Bytes of keys and values that <paramref name="tokens"/> positions occupy in <paramref name="layers"/> layers.</summary>
    public static long KvCacheBytes(long tokens, int layers, int elementSize) =>
        2L * layers * tokens * PrefillCheckpoint.HiddenSize * elementSize; // K and V, kv_heads * head_dim = hidden
}
