using TorchSharp.Modules;
using static TorchSharp.torch;

namespace VisionZip.Models.Language;

/// <summary>Token embedding table (<c>embed_tokens</c>): a row lookup, also the output head of tied models.</summary>
public sealed class TokenEmbedding : nn.Module<Tensor, Tensor>
{
    internal TokenEmbedding(string name, Parameter weight) : base(name)
    {
        Weight = weight;
        register_parameter("weight", weight);
    }

    /// <summary>The table [vocab, hidden].</summary>
    public Parameter Weight { get; }

    /// <summary>Looks up rows.</summary>
    /// <param name="input">Token ids [B, T] (int64).</param>
    /// <returns>[B, T, hidden] in the table's dtype.</returns>
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var rows = Weight.index_select(0, input.flatten()); // [B * T, hidden]
        return rows.view(input.shape[0], input.shape[1], Weight.shape[1]).MoveToOuterDisposeScope();
    }
}
