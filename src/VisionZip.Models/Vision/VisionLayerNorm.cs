using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace VisionZip.Models.Vision;

/// <summary>LayerNorm over the last dimension with HF parameter names <c>weight</c> [D] and <c>bias</c> [D] (<c>nn.LayerNorm</c>).</summary>
public sealed class VisionLayerNorm : nn.Module<Tensor, Tensor>
{
    private readonly long[] _normalizedShape;
    private readonly double _eps;

    // weight: [D] scale; bias: [D] shift.
    [ComponentName(Name = "weight")]
    private readonly Parameter _weight;
    [ComponentName(Name = "bias")]
    private readonly Parameter _bias;

    internal VisionLayerNorm(WeightScope weights, long width, double eps) : base(nameof(VisionLayerNorm))
    {
        _normalizedShape = [width];
        _eps = eps;
        _weight = weights.Tensor("weight", [width], WeightInit.Ones);
        _bias = weights.Tensor("bias", [width], WeightInit.Zeros);
        RegisterComponents();
    }

    /// <summary>Normalises <paramref name="input"/> [..., D] over its last dimension.</summary>
    public override Tensor forward(Tensor input) =>
        nn.functional.layer_norm(input, _normalizedShape, _weight, _bias, _eps);
}
