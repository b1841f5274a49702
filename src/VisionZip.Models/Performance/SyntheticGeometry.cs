namespace VisionZip.Models.Performance;

/// <summary>
/// The shape of a LLaVA checkpoint that <see cref="SyntheticCheckpoint"/> writes with random weights: a CLIP vision
/// tower, the two-layer GELU projector and a LLaMA or Mistral language model, named as llava-hf names them.
/// </summary>
/// <param name="Name">The name <c>visionzip bench --synthetic</c> takes (e.g. <c>llava-1.5-7b</c>).</param>
/// <param name="Next">True for LLaVA-NeXT (anyres tiles, <c>image_newline</c>), false for LLaVA-1.5.</param>
/// <param name="Cost">The geometry the cost model uses (vision layers up to the feature layer; the full decoder depth).</param>
/// <param name="VisionLayers">CLIP layers written (the feature layer is the second to last, as LLaVA uses it).</param>
/// <param name="VisionHeads">CLIP attention heads.</param>
/// <param name="ImageSize">CLIP input size (a square).</param>
/// <param name="TextModelType"><c>llama</c> or <c>mistral</c>.</param>
/// <param name="RopeTheta">The language model's RoPE base.</param>
/// <param name="MaxPositions">The language model's <c>max_position_embeddings</c>.</param>
public sealed record SyntheticGeometry(
    string Name,
    bool Next,
    VlmGeometry Cost,
    int VisionLayers,
    int VisionHeads,
    int ImageSize,
    string TextModelType,
    double RopeTheta,
    int MaxPositions)
{
    /// <summary>LLaVA-1.5-7B: CLIP-L/336, Vicuna-7B.</summary>
    public static SyntheticGeometry Llava15_7B { get; } =
        new("llava-1.5-7b", false, VlmGeometry.Llava15_7B, 24, 16, 336, "llama", 10000, 4096);

    /// <summary>LLaVA-1.5-13B: CLIP-L/336, Vicuna-13B.</summary>
    public static SyntheticGeometry Llava15_13B { get; } =
        new("llava-1.5-13b", false, VlmGeometry.Llava15_13B, 24, 16, 336, "llama", 10000, 4096);

    /// <summary>LLaVA-NeXT-7B (llava-v1.6-vicuna-7b): CLIP-L/336 per anyres tile, Vicuna-7B.</summary>
    public static SyntheticGeometry LlavaNext7B { get; } =
        new("llava-next-7b", true, VlmGeometry.LlavaNext7B, 24, 16, 336, "llama", 10000, 4096);

    /// <summary>LLaVA-NeXT-7B (llava-v1.6-mistral-7b): CLIP-L/336 per anyres tile, Mistral-7B (grouped-query attention).</summary>
    public static SyntheticGeometry LlavaNext7BMistral { get; } =
        new("llava-next-7b-mistral", true, VlmGeometry.LlavaNext7BMistral, 24, 16, 336, "mistral", 1000000, 32768);

    /// <summary>Every named geometry.</summary>
    public static IReadOnlyList<SyntheticGeometry> All { get; } = [Llava15_7B, Llava15_13B, LlavaNext7B, LlavaNext7BMistral];

    /// <summary>The named geometry.</summary>
    /// <exception cref="ArgumentException">No geometry has that name (the message lists them).</exception>
    public static SyntheticGeometry Find(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return All.FirstOrDefault(g => string.Equals(g.Name, name, StringComparison.OrdinalIgnoreCase))
            ?? throw new ArgumentException(
                $"unknown synthetic geometry '{name}'; known: {string.Join(", ", All.Select(g => g.Name))}", nameof(name));
    }

    /// <summary>This geometry with <paramref name="layers"/> language-model layers (the cost model's depth follows).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="layers"/> is below 1.</exception>
    public SyntheticGeometry WithLanguageLayers(int layers)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(layers, 1);
        return this with { Cost = Cost with { Decoder = Cost.Decoder with { Layers = layers } } };
    }
}
