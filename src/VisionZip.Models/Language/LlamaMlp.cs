using static TorchSharp.torch;

namespace VisionZip.Models.Language;

/// <summary>SwiGLU feed-forward block (transformers <c>LlamaMLP</c>): <c>down_proj(silu(gate_proj(x)) * up_proj(x))</c>.</summary>
public sealed class LlamaMlp : nn.Module<Tensor, Tensor>
{
    private readonly nn.Module<Tensor, Tensor> _gateProj; // [intermediate, hidden]
    private readonly nn.Module<Tensor, Tensor> _upProj;   // [intermediate, hidden]
    private readonly nn.Module<Tensor, Tensor> _downProj; // [hidden, intermediate]

    internal LlamaMlp(string name, nn.Module<Tensor, Tensor> gateProj, nn.Module<Tensor, Tensor> upProj,
        nn.Module<Tensor, Tensor> downProj) : base(name)
    {
        _gateProj = gateProj;
        _upProj = upProj;
        _downProj = downProj;
        register_module("gate_proj", gateProj);
        register_module("up_proj", upProj);
        register_module("down_proj", downProj);
    }

    /// <summary>Applies the MLP.</summary>
    /// <param name="input">[B, T, hidden].</param>
    /// <returns>[B, T, hidden].</returns>
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        // silu(gate) * up computed in the gate projection's own (new) output: no further [B, T, intermediate] tensors.
        var gated = nn.functional.silu(_gateProj.call(input), inplace: true).mul_(_upProj.call(input)); // [B, T, intermediate]
        return _downProj.call(gated).MoveToOuterDisposeScope();
    }
}
