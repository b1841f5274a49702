namespace VisionZip.Models.Performance;

/// <summary>One request: what the encoder sees and what the language model prefills.</summary>
/// <param name="EncoderCrops">Crops through the encoder: 1 per LLaVA-1.5 image, base + tiles per LLaVA-NeXT image
/// (5 for a 2 x 2 grid), times the frames of a video.</param>
/// <param name="VisualTokens">Visual tokens given to the language model (576 vanilla LLaVA-1.5, 64 with VisionZip 54 + 10).</param>
/// <param name="TextTokens">Text tokens of the prompt.</param>
public sealed record Workload(int EncoderCrops, int VisualTokens, int TextTokens)
{
    /// <summary>Prompt length the language model prefills.</summary>
    public int PromptTokens => VisualTokens + TextTokens;
}
