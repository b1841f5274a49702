using VisionZip.Models.Vision;

namespace VisionZip.Models.Checkpoints;

/// <summary>
/// transformers' <c>LlavaConfig</c> / <c>LlavaNextConfig</c> (and <c>LlavaOnevisionConfig</c>) keyword defaults: the one
/// table every reader of a LLaVA <c>config.json</c> applies to absent fields (<see cref="Llava.LlavaConfig"/>, the vision
/// config reader, the projector loader, the LLaVA-NeXT processor's pinpoints).
/// </summary>
/// <remarks>
/// The other families' tables: CLIP / SigLIP vision in <see cref="VisionConfig.ClipDefaults"/> /
/// <see cref="VisionConfig.SiglipDefaults"/>; llama / mistral / qwen2 in <c>DecoderConfigReader</c>; image processors in
/// <c>ImageProcessorConfig.ForKind</c>.
/// </remarks>
internal static class LlavaDefaults
{
    /// <summary><c>image_token_index</c>.</summary>
    public const long ImageTokenIndex = 32000;

    /// <summary><c>projector_hidden_act</c> (exact erf GELU).</summary>
    public const string ProjectorHiddenAct = "gelu";

    /// <summary><c>vision_feature_select_strategy</c> (drops the CLS token).</summary>
    public const string VisionFeatureSelectStrategy = "default";

    /// <summary><c>vision_feature_layer</c>.</summary>
    public const int VisionFeatureLayer = -2;

    /// <summary><c>image_seq_length</c>.</summary>
    public const int ImageSeqLength = 576;

    /// <summary><c>multimodal_projector_bias</c>.</summary>
    public const bool MultimodalProjectorBias = true;

    /// <summary><c>ignore_index</c>.</summary>
    public const long IgnoreIndex = -100;

    /// <summary><c>text_config.model_type</c> when the section or its type is absent.</summary>
    public const string TextModelType = "llama";

    /// <summary><c>vision_config.model_type</c> when the section or its type is absent.</summary>
    public const string VisionModelType = "clip_vision_model";

    /// <summary>The tower when <c>vision_config</c> is absent: CLIP ViT-L/14-336 (<c>CONFIG_MAPPING["clip_vision_model"](...)</c>).</summary>
    public static VisionConfig VisionTower => VisionConfig.ClipVitLarge336;

    /// <summary>LLaVA-NeXT <c>image_grid_pinpoints</c> (LlavaNextConfig and LlavaNextImageProcessor agree), (height, width).</summary>
    public static IReadOnlyList<(int Height, int Width)> ImageGridPinpoints { get; } =
        [(336, 672), (672, 336), (672, 672), (1008, 336), (336, 1008)];

    /// <summary>LLaVA-OneVision: <c>vision_feature_layer</c>.</summary>
    public const int OnevisionFeatureLayer = -1;

    /// <summary>LLaVA-OneVision: <c>vision_feature_select_strategy</c>.</summary>
    public const string OnevisionFeatureSelectStrategy = "full";

    /// <summary>LLaVA-OneVision: the 26-layer SigLIP so400m tower when <c>vision_config</c> is absent.</summary>
    public static VisionConfig OnevisionTower { get; } = VisionConfig.SiglipDefaults with
    {
        HiddenSize = 1152,
        IntermediateSize = 4304,
        NumHiddenLayers = 26,
        NumAttentionHeads = 16,
        ImageSize = 384,
        PatchSize = 14,
    };
}
