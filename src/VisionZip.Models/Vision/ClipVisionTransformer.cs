using TorchSharp.Utils;
using static TorchSharp.torch;

namespace VisionZip.Models.Vision;

/// <summary>
/// CLIP vision transformer (transformers <c>CLIPVisionTransformer</c>): <c>embeddings</c> (CLS + patches + positions),
/// <c>pre_layrnorm</c> (the checkpoint's spelling, kept on purpose so weights load by name), <c>encoder</c>,
/// <c>post_layernorm</c>.
/// </summary>
public sealed class ClipVisionTransformer : VisionTransformer
{
    [ComponentName(Name = "embeddings")]
    private readonly ClipVisionEmbeddings _embeddings;

    // "layrnorm" is the Hugging Face key's typo; the name must match the checkpoint.
    [ComponentName(Name = "pre_layrnorm")]
    private readonly VisionLayerNorm _preLayrnorm;

    internal ClipVisionTransformer(WeightScope weights, VisionConfig config)
        : base(nameof(ClipVisionTransformer), weights, config)
    {
        if (config.Architecture != VisionArchitecture.Clip)
        {
            throw new ArgumentException($"config describes a {config.Architecture} tower, expected Clip", nameof(config));
        }

        _embeddings = new ClipVisionEmbeddings(weights["embeddings"], config);
        _preLayrnorm = new VisionLayerNorm(weights["pre_layrnorm"], config.HiddenSize, config.LayerNormEps);
        RegisterComponents();
    }

    /// <inheritdoc />
    private protected override Tensor EmbedCore(Tensor pixelValues)
    {
        using var scope = NewDisposeScope();
        return _preLayrnorm.call(_embeddings.call(pixelValues)).MoveToOuterDisposeScope(); // [B, 1 + N, D]
    }
}
