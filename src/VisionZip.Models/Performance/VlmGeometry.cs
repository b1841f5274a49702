namespace VisionZip.Models.Performance;

/// <summary>A LLaVA-style model: image encoder, projector and language model.</summary>
/// <param name="Encoder">The vision tower up to its feature layer.</param>
/// <param name="Projector">The multimodal projector.</param>
/// <param name="Decoder">The language model.</param>
public sealed record VlmGeometry(EncoderGeometry Encoder, ProjectorGeometry Projector, DecoderGeometry Decoder)
{
    /// <summary>LLaVA-1.5-7B: CLIP-L/336 and Vicuna-7B.</summary>
    public static VlmGeometry Llava15_7B { get; } = new(EncoderGeometry.ClipLarge336, new(1024, 4096), DecoderGeometry.Vicuna7B);

    /// <summary>LLaVA-1.5-13B: CLIP-L/336 and Vicuna-13B.</summary>
    public static VlmGeometry Llava15_13B { get; } = new(EncoderGeometry.ClipLarge336, new(1024, 5120), DecoderGeometry.Vicuna13B);

    /// <summary>LLaVA-NeXT-7B (Vicuna): CLIP-L/336 per anyres crop and Vicuna-7B.</summary>
    public static VlmGeometry LlavaNext7B { get; } = new(EncoderGeometry.ClipLarge336, new(1024, 4096), DecoderGeometry.Vicuna7B);

    /// <summary>LLaVA-NeXT-7B (Mistral): CLIP-L/336 per anyres crop and Mistral-7B (grouped-query attention).</summary>
    public static VlmGeometry LlavaNext7BMistral { get; } = new(EncoderGeometry.ClipLarge336, new(1024, 4096), DecoderGeometry.Mistral7B);
}
