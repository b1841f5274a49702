using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace VisionZip.Models.Vision;

/// <summary>
/// The patch projection: a 'valid' <c>nn.Conv2d</c> with kernel = stride = patch size, HF names <c>weight</c>
/// [D, C, P, P] and (SigLIP only) <c>bias</c> [D]. Pixels beyond the last whole patch are ignored.
/// </summary>
public sealed class VisionPatchEmbedding : nn.Module<Tensor, Tensor>
{
    private readonly long[] _stride;

    // weight: [D, C, P, P]; bias: [D] or absent (CLIP).
    [ComponentName(Name = "weight")]
    private readonly Parameter _weight;
    [ComponentName(Name = "bias")]
    private readonly Parameter? _bias;

    internal VisionPatchEmbedding(WeightScope weights, VisionConfig config, bool hasBias) : base(nameof(VisionPatchEmbedding))
    {
        _stride = [config.PatchSize, config.PatchSize];
        _weight = weights.Tensor("weight", [config.HiddenSize, config.NumChannels, config.PatchSize, config.PatchSize]);
        _bias = hasBias ? weights.Tensor("bias", [config.HiddenSize], WeightInit.Zeros) : null;
        RegisterComponents();
    }

    /// <summary>Pixels [B, C, H, W] to patch tokens [B, (H/P)*(W/P), D], row-major over the patch grid.</summary>
    public override Tensor forward(Tensor pixelValues)
    {
        using var scope = NewDisposeScope();
        var patches = nn.functional.conv2d(pixelValues, _weight, _bias, strides: _stride); // [B, D, H/P, W/P]
        return patches.flatten(2).transpose(1, 2).MoveToOuterDisposeScope();             // [B, N, D]
    }
}
