using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace VisionZip.Models.Vision;

/// <summary>
/// CLIP embeddings (transformers <c>CLIPVisionEmbeddings</c>): <c>[class_embedding; patch_embedding(pixels)] + position_embedding</c>,
/// HF names <c>class_embedding</c> [D], <c>patch_embedding.weight</c> [D, C, P, P] (no bias), <c>position_embedding.weight</c> [1 + N, D].
/// </summary>
public sealed class ClipVisionEmbeddings : nn.Module<Tensor, Tensor>
{
    // class_embedding: [D], the CLS token before positions are added.
    [ComponentName(Name = "class_embedding")]
    private readonly Parameter _classEmbedding;
    [ComponentName(Name = "patch_embedding")]
    private readonly VisionPatchEmbedding _patchEmbedding;
    [ComponentName(Name = "position_embedding")]
    private readonly VisionPositionEmbedding _positionEmbedding;

    internal ClipVisionEmbeddings(WeightScope weights, VisionConfig config) : base(nameof(ClipVisionEmbeddings))
    {
        _classEmbedding = weights.Tensor("class_embedding", [config.HiddenSize]);
        _patchEmbedding = new VisionPatchEmbedding(weights["patch_embedding"], config, hasBias: false);
        _positionEmbedding = new VisionPositionEmbedding(weights["position_embedding"], config.NumPositions, config.HiddenSize);
        RegisterComponents();
    }

    /// <summary>Pixels [B, C, H, W] (model dtype and device) to tokens [B, 1 + N, D], CLS first.</summary>
    public override Tensor forward(Tensor pixelValues)
    {
        using var scope = NewDisposeScope();
        var patches = _patchEmbedding.call(pixelValues);                                // [B, N, D]
        var cls = _classEmbedding.expand(patches.shape[0], 1, -1);                      // [B, 1, D]
        return _positionEmbedding.call(cat([cls, patches], 1)).MoveToOuterDisposeScope(); // [B, 1 + N, D]
    }
}
