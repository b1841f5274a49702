namespace VisionZip.Models.Language;

/// <summary>
/// The <c>rope_scaling</c> block of a decoder config (transformers <c>ROPE_INIT_FUNCTIONS</c>).
/// Supported types: <c>default</c>, <c>linear</c> (positions divided by <see cref="Factor"/>) and <c>llama3</c>
/// (Llama 3.1 frequency-dependent scaling).
/// </summary>
/// <param name="RopeType">"default", "linear" or "llama3" (the config's <c>rope_type</c>, or the older <c>type</c>).</param>
/// <param name="Factor">Scaling factor (<c>factor</c>); 1 for "default".</param>
/// <param name="LowFreqFactor">llama3: <c>low_freq_factor</c>.</param>
/// <param name="HighFreqFactor">llama3: <c>high_freq_factor</c>.</param>
/// <param name="OriginalMaxPositionEmbeddings">llama3: <c>original_max_position_embeddings</c>, the pre-training context.</param>
public sealed record RopeScaling(
    string RopeType,
    double Factor,
    double LowFreqFactor = 1.0,
    double HighFreqFactor = 4.0,
    int OriginalMaxPositionEmbeddings = 8192)
{
    /// <summary>Rope type of transformers' unscaled rotary embedding.</summary>
    public const string Default = "default";

    /// <summary>Rope type of linear position interpolation.</summary>
    public const string Linear = "linear";

    /// <summary>Rope type of Llama 3.1's frequency-dependent scaling.</summary>
    public const string Llama3 = "llama3";
}
