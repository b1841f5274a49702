using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace VisionZip.Benchmarks;

/// <summary>
/// One pre-LN ViT encoder layer (the shape of a CLIP / SigLIP layer) built from plain TorchSharp modules with random
/// weights: x + out(SDPA(q, k, v)) over LayerNorm(x), then x + fc2(GELU(fc1(LayerNorm(x)))). The yardstick the zip
/// op is measured against.
/// </summary>
public sealed class BenchEncoderLayer : Module<Tensor, Tensor>
{
    private readonly int _heads;
    private readonly LayerNorm _layerNorm1;
    private readonly Linear _qProj;
    private readonly Linear _kProj;
    private readonly Linear _vProj;
    private readonly Linear _outProj;
    private readonly LayerNorm _layerNorm2;
    private readonly Linear _fc1;
    private readonly GELU _activation;
    private readonly Linear _fc2;

    public BenchEncoderLayer(int hidden, int heads, int intermediate) : base(nameof(BenchEncoderLayer))
    {
        _heads = heads;
        _layerNorm1 = LayerNorm(hidden);
        _qProj = Linear(hidden, hidden);
        _kProj = Linear(hidden, hidden);
        _vProj = Linear(hidden, hidden);
        _outProj = Linear(hidden, hidden);
        _layerNorm2 = LayerNorm(hidden);
        _fc1 = Linear(hidden, intermediate);
        _activation = GELU();
        _fc2 = Linear(intermediate, hidden);
        RegisterComponents();
    }

    public override Tensor forward(Tensor hiddenStates)                                   // [B, N, D]
    {
        using var scope = NewDisposeScope();
        var (batch, seqLen, hidden) = (hiddenStates.shape[0], hiddenStates.shape[1], hiddenStates.shape[2]);
        long headDim = hidden / _heads;
        var normed = _layerNorm1.call(hiddenStates);
        var q = _qProj.call(normed).view(batch, seqLen, _heads, headDim).transpose(1, 2);   // [B, H, N, Dh]
        var k = _kProj.call(normed).view(batch, seqLen, _heads, headDim).transpose(1, 2);
        var v = _vProj.call(normed).view(batch, seqLen, _heads, headDim).transpose(1, 2);
        var context = functional.scaled_dot_product_attention(q, k, v)                      // [B, H, N, Dh]
            .transpose(1, 2).reshape(batch, seqLen, hidden);                                 // [B, N, D]
        var residual = hiddenStates + _outProj.call(context);
        var mlp = _fc2.call(_activation.call(_fc1.call(_layerNorm2.call(residual))));
        return (residual + mlp).MoveToOuterDisposeScope();
    }
}
