using static TorchSharp.torch;

namespace VisionZip.Models.Vision;

/// <summary>
/// Everything VisionZip reads from the feature layer: its output hidden states, its attention statistic and its
/// head-averaged keys. Owns its tensors (they belong to no dispose scope): dispose it when done.
/// </summary>
public sealed class FeatureLayerOutput : IDisposable
{
    internal FeatureLayerOutput(Tensor hiddenStates, Tensor attention, Tensor metric, int hiddenStateIndex, bool hasCls)
    {
        HiddenStates = hiddenStates.DetachFromDisposeScope();
        Attention = attention.DetachFromDisposeScope();
        Metric = metric.DetachFromDisposeScope();
        HiddenStateIndex = hiddenStateIndex;
        HasCls = hasCls;
    }

    /// <summary>
    /// The layer's output [B, N, D] in the model dtype: transformers <c>hidden_states[HiddenStateIndex]</c>
    /// (a raw layer output, never passed through <c>post_layernorm</c>).
    /// </summary>
    public Tensor HiddenStates { get; }

    /// <summary>
    /// Float32 [B, H, N]: with CLS, the CLS query's attention probabilities over all N keys (CLS included); without,
    /// the attention each token receives averaged over all queries (<c>A.mean(dim=2)</c> of the [B, H, N, N] map).
    /// </summary>
    public Tensor Attention { get; }

    /// <summary>Float32 [B, N, Dh]: the layer's keys <c>k_proj(layer_norm1(x))</c> incl. bias, before scaling, averaged over heads.</summary>
    public Tensor Metric { get; }

    /// <summary>Index of <see cref="HiddenStates"/> in transformers' <c>hidden_states</c> (1..L; the layer is <c>layers[index - 1]</c>).</summary>
    public int HiddenStateIndex { get; }

    /// <summary>True when token 0 is CLS (CLIP).</summary>
    public bool HasCls { get; }

    /// <inheritdoc />
    public void Dispose()
    {
        HiddenStates.Dispose();
        Attention.Dispose();
        Metric.Dispose();
    }
}
