namespace VisionZip.Models.Checkpoints;

/// <summary>What a Hugging Face checkpoint directory holds, decided from <c>config.json</c>'s <c>model_type</c>.</summary>
/// <remarks>Detected in one place, <see cref="CheckpointDirectory.Kind"/>; the rules are documented there.</remarks>
public enum CheckpointKind
{
    /// <summary>A CLIP vision encoder: <c>clip_vision_model</c>, or a whole <c>clip</c> dual encoder (its text tower is not used).</summary>
    ClipVision,

    /// <summary>A SigLIP vision encoder: <c>siglip_vision_model</c>, or a whole <c>siglip</c> dual encoder.</summary>
    SiglipVision,

    /// <summary>A bare decoder-only language model: <c>llama</c>, <c>mistral</c> or <c>qwen2</c>.</summary>
    Decoder,

    /// <summary>LLaVA-1.5 (<c>llava</c> with a CLIP vision config and a llama/mistral text config).</summary>
    Llava15,

    /// <summary>LLaVA-Interleave (<c>llava</c> with a SigLIP vision config or a qwen2 text config).</summary>
    LlavaInterleave,

    /// <summary>LLaVA-NeXT / LLaVA-1.6 (<c>llava_next</c>: anyres tiles and <c>image_newline</c>).</summary>
    LlavaNext,
}
