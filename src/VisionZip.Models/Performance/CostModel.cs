namespace VisionZip.Models.Performance;

/// <summary>
/// FLOP and memory model of a LLaVA-style request: prefill FLOPs per stage, KV-cache size, bytes a decode step reads,
/// and the bound they put on the speedup between two configurations (e.g. vanilla 576 visual tokens vs VisionZip 64).
/// </summary>
/// <remarks>
/// Counts matrix products only (norms, activations, softmax, RoPE and the zip itself are linear in the tokens and
/// small); attention scores are counted dense, as the VisionZip paper does. A bound is what the hardware would give
/// if time were proportional to FLOPs (prefill) or to bytes read (decode); measured speedups fall below it by the
/// fixed costs that do not shrink with the prompt.
/// </remarks>
public static class CostModel
{
    /// <summary>FLOPs per stage from the image to the first token's logits.</summary>
    public static PrefillCost Prefill(VlmGeometry geometry, Workload workload)
    {
        ArgumentNullException.ThrowIfNull(geometry);
        ArgumentNullException.ThrowIfNull(workload);
        Check(workload);
        var decoder = geometry.Decoder;
        return new PrefillCost(
            Encoder: workload.EncoderCrops * geometry.Encoder.CropFlops,
            Projector: workload.VisualTokens * geometry.Projector.FlopsPerToken,
            Decoder: decoder.Layers * decoder.LayerFlops(workload.PromptTokens),
            Logits: decoder.LogitsFlops);
    }

    /// <summary>KV-cache bytes after the prompt (and <paramref name="generatedTokens"/> more).</summary>
    /// <param name="geometry">The model.</param>
    /// <param name="workload">The request.</param>
    /// <param name="elementSize">2 for float16 / bfloat16, 4 for float32.</param>
    /// <param name="generatedTokens">Tokens decoded after the prompt.</param>
    public static long KvCacheBytes(VlmGeometry geometry, Workload workload, int elementSize, int generatedTokens = 0)
    {
        ArgumentNullException.ThrowIfNull(geometry);
        ArgumentNullException.ThrowIfNull(workload);
        Check(workload);
        ArgumentOutOfRangeException.ThrowIfNegative(generatedTokens);
        return geometry.Decoder.KvCacheBytes(workload.PromptTokens + generatedTokens, elementSize);
    }

    /// <summary>Bytes the first decode step after the prompt reads (weights + KV cache; see <see cref="DecoderGeometry.DecodeBytesPerToken"/>).</summary>
    public static double DecodeBytesPerToken(VlmGeometry geometry, Workload workload, int weightBytes, int kvElementSize)
    {
        ArgumentNullException.ThrowIfNull(geometry);
        ArgumentNullException.ThrowIfNull(workload);
        Check(workload);
        return geometry.Decoder.DecodeBytesPerToken(workload.PromptTokens, weightBytes, kvElementSize);
    }

    /// <summary>
    /// Bound on the time-to-first-token speedup of <paramref name="reduced"/> over <paramref name="baseline"/>:
    /// total prefill FLOPs, encoder included, baseline over reduced.
    /// </summary>
    public static double TimeToFirstTokenSpeedupBound(VlmGeometry geometry, Workload baseline, Workload reduced) =>
        Prefill(geometry, baseline).Total / Prefill(geometry, reduced).Total;

    /// <summary>Bound on the language-model prefill speedup alone (decoder layers and logits).</summary>
    public static double PrefillSpeedupBound(VlmGeometry geometry, Workload baseline, Workload reduced)
    {
        var before = Prefill(geometry, baseline);
        var after = Prefill(geometry, reduced);
        return (before.Decoder + before.Logits) / (after.Decoder + after.Logits);
    }

    /// <summary>Bound on the decode-step speedup (bytes read per step, baseline over reduced) at the same weight format.</summary>
    public static double DecodeSpeedupBound(VlmGeometry geometry, Workload baseline, Workload reduced, int weightBytes, int kvElementSize) =>
        DecodeBytesPerToken(geometry, baseline, weightBytes, kvElementSize) / DecodeBytesPerToken(geometry, reduced, weightBytes, kvElementSize);

    private static void Check(Workload workload)
    {
        if (workload.EncoderCrops < 0 || workload.VisualTokens < 0 || workload.TextTokens < 0 || workload.PromptTokens == 0)
        {
            throw new ArgumentException(
                $"workload needs non-negative counts and at least one prompt token, got crops {workload.EncoderCrops}, " +
                $"visual tokens {workload.VisualTokens}, text tokens {workload.TextTokens}", nameof(workload));
        }
    }
}
