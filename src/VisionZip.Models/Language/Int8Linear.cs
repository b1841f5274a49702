using TorchSharp.Modules;
using VisionZip.Models.Language.MatVec;
using static TorchSharp.torch;

namespace VisionZip.Models.Language;

/// <summary>
/// A decoder projection with weight-only int8 weights: row r of the real weight is <c>weight_scale[r] * weight[r]</c>
/// (symmetric, one scale per output channel, <c>weight_scale = max|row| / 127</c>). A decode step on the CPU runs the
/// int8 SIMD kernel (half the bytes of bfloat16); a prompt dequantises into the activation dtype and runs torch's linear.
/// </summary>
internal sealed class Int8Linear : nn.Module<Tensor, Tensor>
{
    private readonly Tensor _weight;  // [outputs, inputs] int8
    private readonly Tensor _scales;  // [outputs] float32
    private readonly Parameter? _bias; // [outputs] in the activation dtype

    private Int8Linear(string name, Tensor weight, Tensor scales, Parameter? bias) : base(name)
    {
        _weight = weight;
        _scales = scales;
        _bias = bias;
        register_buffer("weight", weight);
        register_buffer("weight_scale", scales);
        if (bias is not null)
        {
            register_parameter("bias", bias);
        }
    }

    /// <summary>Quantises a dense weight (which it disposes) into a new module owning int8 weights and scales.</summary>
    /// <param name="name">Module name.</param>
    /// <param name="weight">[outputs, inputs] floating point; disposed here.</param>
    /// <param name="bias">[outputs] or null, kept as is.</param>
    public static Int8Linear Quantize(string name, Parameter weight, Parameter? bias)
    {
        var (quantized, scales) = Int8Quantizer.PerOutputChannel(weight);
        weight.Dispose();
        return new Int8Linear(name, quantized, scales, bias);
    }

    /// <summary>[..., inputs] -> [..., outputs] in the input's dtype.</summary>
    public override Tensor forward(Tensor input)
    {
        if (SingleTokenLinear.TryInt8(input, _weight, _scales, _bias, out var result))
        {
            return result;
        }

        using var scope = NewDisposeScope();
        var dense = Int8Dequantizer.TryDense(_weight, _scales, input.dtype)
            ?? (_weight.to(ScalarType.Float32) * _scales.unsqueeze(1)).to(input.dtype); // [outputs, inputs]
        return nn.functional.linear(input, dense, _bias).MoveToOuterDisposeScope();
    }
}
