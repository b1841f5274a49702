namespace VisionZip.Cli.Infrastructure;

/// <summary>What a checkpoint directory holds, from its config.json <c>model_type</c>.</summary>
public enum ModelKind
{
    /// <summary>CLIPModel or CLIPVisionModel (<c>clip</c>, <c>clip_vision_model</c>).</summary>
    Clip,

    /// <summary>SiglipModel or SiglipVisionModel (<c>siglip</c>, <c>siglip_vision_model</c>).</summary>
    Siglip,

    /// <summary>llava-hf LlavaForConditionalGeneration (<c>llava</c>).</summary>
    Llava,

    /// <summary>llava-hf LlavaNextForConditionalGeneration (<c>llava_next</c>).</summary>
    LlavaNext,

    /// <summary>A bare decoder: <c>llama</c>, <c>mistral</c>, <c>qwen2</c>.</summary>
    Decoder,
}
