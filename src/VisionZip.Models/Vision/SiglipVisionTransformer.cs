using TorchSharp.Utils;
using static TorchSharp.torch;

namespace VisionZip.Models.Vision;

/// <summary>
/// SigLIP vision transformer (transformers <c>SiglipVisionTransformer</c>): <c>embeddings</c> (patches with bias +
/// positions, no CLS), <c>encoder</c>, <c>post_layernorm</c>. The attention-pooling <c>head</c> is not loaded.
/// </summary>
public sealed class SiglipVisionTransformer : VisionTransformer
{
    [ComponentName(Name = "embeddings")]
    private readonly SiglipVisionEmbeddings _embeddings;

    internal SiglipVisionTransformer(WeightScope weights, VisionConfig config)
        : base(nameof(SiglipVisionTransformer), weights, config)
    {
        if (config.Architecture != VisionArchitecture.Siglip)
        {
            throw new ArgumentException($"config describes a {config.Architecture} tower, expected Siglip", nameof(config));
        }

        _embeddings = new SiglipVisionEmbeddings(weights["embeddings"], config);
        RegisterComponents();
    }

    /// <inheritdoc />
    private protected override Tensor EmbedCore(Tensor pixelValues) => _embeddings.call(pixelValues); // [B, N, D]
}
