using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace VisionZip.Models.Vision;

/// <summary>
/// Learned absolute position embeddings (<c>nn.Embedding</c> looked up at <c>arange(N)</c>), HF name <c>weight</c> [N, D].
/// The <c>position_ids</c> buffer some checkpoints store is always <c>arange(N)</c> and is not read.
/// </summary>
public sealed class VisionPositionEmbedding : nn.Module<Tensor, Tensor>
{
    // weight: [N, D], one row per token position.
    [ComponentName(Name = "weight")]
    private readonly Parameter _weight;

    internal VisionPositionEmbedding(WeightScope weights, long positions, long width) : base(nameof(VisionPositionEmbedding))
    {
        _weight = weights.Tensor("weight", [positions, width]);
        RegisterComponents();
    }

    /// <summary>Adds the position embeddings to <paramref name="tokens"/> [B, N, D].</summary>
    public override Tensor forward(Tensor tokens) => tokens + _weight;
}
