using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace VisionZip.Models.Vision;

/// <summary>Feed-forward block <c>fc1 -> hidden_act -> fc2</c> (transformers <c>CLIPMLP</c> / <c>SiglipMLP</c>).</summary>
public sealed class VisionMlp : nn.Module<Tensor, Tensor>
{
    private readonly VisionActivation _activation;

    // fc1: weight [I, D], bias [I]; fc2: weight [D, I], bias [D].
    [ComponentName(Name = "fc1")]
    private readonly Linear _fc1;
    [ComponentName(Name = "fc2")]
    private readonly Linear _fc2;

    internal VisionMlp(WeightScope weights, VisionConfig config) : base(nameof(VisionMlp))
    {
        _activation = config.HiddenAct;
        _fc1 = weights.Linear("fc1", config.HiddenSize, config.IntermediateSize);
        _fc2 = weights.Linear("fc2", config.IntermediateSize, config.HiddenSize);
        RegisterComponents();
    }

    /// <summary>[B, N, D] to [B, N, D].</summary>
    public override Tensor forward(Tensor hiddenStates)
    {
        using var scope = NewDisposeScope();
        var intermediate = _activation.Apply(_fc1.call(hiddenStates));                 // [B, N, I]
        return _fc2.call(intermediate).MoveToOuterDisposeScope();                        // [B, N, D]
    }
}
