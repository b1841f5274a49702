using TorchSharp.Modules;
using VisionZip.Models.Language.MatVec;
using static TorchSharp.torch;

namespace VisionZip.Models.Language;

/// <summary>
/// A decoder projection (<c>nn.Linear</c> without the autograd parts): torch's linear for a prompt, the SIMD
/// matrix-vector kernel for a single token on the CPU (a decode step is bound by reading the weights once).
/// Parameters keep Hugging Face's names, <c>weight</c> [outputs, inputs] and <c>bias</c> [outputs].
/// </summary>
internal sealed class DecoderLinear : nn.Module<Tensor, Tensor>
{
    private readonly Parameter _weight;  // [outputs, inputs]
    private readonly Parameter? _bias;   // [outputs]

    public DecoderLinear(string name, Parameter weight, Parameter? bias) : base(name)
    {
        _weight = weight;
        _bias = bias;
        register_parameter("weight", weight);
        if (bias is not null)
        {
            register_parameter("bias", bias);
        }
    }

    /// <summary>[..., inputs] -> [..., outputs] in the input's dtype.</summary>
    public override Tensor forward(Tensor input) =>
        SingleTokenLinear.TryDense(input, _weight, _bias, out var result)
            ? result
            : nn.functional.linear(input, _weight, _bias);
}
