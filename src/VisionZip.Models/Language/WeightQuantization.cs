namespace VisionZip.Models.Language;

/// <summary>How a decoder stores the weights of its projections (attention, MLP and an untied <c>lm_head</c>).</summary>
public enum WeightQuantization
{
    /// <summary>In the model dtype (float32, float16 or bfloat16), as loaded.</summary>
    None,

    /// <summary>
    /// Weight-only int8 with one float32 scale per output channel (<c>max|row| / 127</c>): half the bytes of bfloat16,
    /// so a CPU decode step (bound by reading the weights) runs faster; activations, embeddings, norms and the KV
    /// cache stay in the model dtype. Accuracy against float32 is measured in docs/benchmarks-decode.md.
    /// </summary>
    Int8,
}
