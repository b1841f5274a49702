using TorchSharp.Utils;
using static TorchSharp.torch;

namespace VisionZip.Models.Vision;

/// <summary>
/// SigLIP embeddings (transformers <c>SiglipVisionEmbeddings</c>): <c>patch_embedding(pixels) + position_embedding</c>, no CLS,
/// HF names <c>patch_embedding.weight</c> [D, C, P, P], <c>patch_embedding.bias</c> [D], <c>position_embedding.weight</c> [N, D].
/// </summary>
public sealed class SiglipVisionEmbeddings : nn.Module<Tensor, Tensor>
{
    [ComponentName(Name = "patch_embedding")]
    private readonly VisionPatchEmbedding _patchEmbedding;
    [ComponentName(Name = "position_embedding")]
    private readonly VisionPositionEmbedding _positionEmbedding;

    internal SiglipVisionEmbeddings(WeightScope weights, VisionConfig config) : base(nameof(SiglipVisionEmbeddings))
    {
        _patchEmbedding = new VisionPatchEmbedding(weights["patch_embedding"], config, hasBias: true);
        _positionEmbedding = new VisionPositionEmbedding(weights["position_embedding"], config.NumPositions, config.HiddenSize);
        RegisterComponents();
    }

    /// <summary>Pixels [B, C, H, W] (model dtype and device) to tokens [B, N, D].</summary>
    public override Tensor forward(Tensor pixelValues)
    {
        using var scope = NewDisposeScope();
        return _positionEmbedding.call(_patchEmbedding.call(pixelValues)).MoveToOuterDisposeScope();
    }
}
