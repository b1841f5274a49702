using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace VisionZip.Models.Language;

/// <summary>
/// RMS normalisation with a learned scale (transformers <c>LlamaRMSNorm</c>): statistics in float32, the
/// normalised activations cast back to the input dtype before the scale is applied.
/// </summary>
public sealed class LlamaRmsNorm : nn.Module<Tensor, Tensor>
{
    private readonly Parameter _weight; // [hidden]
    private readonly double _eps;

    internal LlamaRmsNorm(string name, Parameter weight, double eps) : base(name)
    {
        _weight = weight;
        _eps = eps;
        register_parameter("weight", weight);
    }

    /// <summary>Normalises over the last dimension.</summary>
    /// <param name="input">[..., hidden] in the model dtype.</param>
    /// <returns>[..., hidden] in the model dtype.</returns>
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var inputType = input.dtype;
        var hidden = input.to(ScalarType.Float32);                        // the input itself when already float32
        var variance = hidden.pow(2).mean([-1], keepdim: true);           // [..., 1]
        var normed = hidden.mul(variance.add_(_eps).rsqrt_());            // a new tensor: the input is never written
        // weight * x == x * weight bit for bit; scaling in place saves a [..., hidden] tensor (to() of a float32 model's
        // normed values returns them, also new).
        return normed.to(inputType).mul_(_weight).MoveToOuterDisposeScope();
    }
}
