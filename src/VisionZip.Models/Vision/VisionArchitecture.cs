namespace VisionZip.Models.Vision;

/// <summary>The vision transformer family of a checkpoint.</summary>
public enum VisionArchitecture
{
    /// <summary>CLIP ViT (transformers <c>clip_vision_model</c>): CLS token, <c>pre_layrnorm</c>, patch convolution without bias.</summary>
    Clip,

    /// <summary>SigLIP ViT (transformers <c>siglip_vision_model</c>): no CLS token, no pre-norm, patch convolution with bias.</summary>
    Siglip,
}
