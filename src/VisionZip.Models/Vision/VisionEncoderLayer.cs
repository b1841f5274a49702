using TorchSharp.Utils;
using static TorchSharp.torch;

namespace VisionZip.Models.Vision;

/// <summary>
/// One pre-norm transformer block (transformers <c>CLIPEncoderLayer</c> / <c>SiglipEncoderLayer</c>):
/// <c>x + self_attn(layer_norm1(x))</c>, then <c>+ mlp(layer_norm2(.))</c>.
/// </summary>
public sealed class VisionEncoderLayer : nn.Module<Tensor, Tensor>
{
    [ComponentName(Name = "layer_norm1")]
    private readonly VisionLayerNorm _layerNorm1;
    [ComponentName(Name = "self_attn")]
    private readonly VisionAttention _selfAttn;
    [ComponentName(Name = "layer_norm2")]
    private readonly VisionLayerNorm _layerNorm2;
    [ComponentName(Name = "mlp")]
    private readonly VisionMlp _mlp;

    internal VisionEncoderLayer(WeightScope weights, VisionConfig config) : base(nameof(VisionEncoderLayer))
    {
        _layerNorm1 = new VisionLayerNorm(weights["layer_norm1"], config.HiddenSize, config.LayerNormEps);
        _selfAttn = new VisionAttention(weights["self_attn"], config);
        _layerNorm2 = new VisionLayerNorm(weights["layer_norm2"], config.HiddenSize, config.LayerNormEps);
        _mlp = new VisionMlp(weights["mlp"], config);
        RegisterComponents();
    }

    /// <summary>[B, N, D] to [B, N, D].</summary>
    public override Tensor forward(Tensor hiddenStates)
    {
        using var scope = NewDisposeScope();
        // Residuals are added into the fresh block outputs (no extra [B, N, D] tensors; x + y == y + x bit for bit).
        var attended = _selfAttn.call(_layerNorm1.call(hiddenStates)).add_(hiddenStates);
        return _mlp.call(_layerNorm2.call(attended)).add_(attended).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The layer's output [B, N, D] as <see cref="forward"/>, plus its attention statistic [B, H, N] and
    /// head-averaged keys [B, N, Dh] (see <see cref="VisionAttention.ForwardWithStatistics"/>).
    /// </summary>
    internal (Tensor Output, Tensor? Attention, Tensor? Metric) ForwardWithStatistics(Tensor hiddenStates, FeatureStatistics statistics)
    {
        using var scope = NewDisposeScope();
        var (attention, statistic, metric) = _selfAttn.ForwardWithStatistics(_layerNorm1.call(hiddenStates), statistics);
        var attended = attention.add_(hiddenStates);
        var output = _mlp.call(_layerNorm2.call(attended)).add_(attended);
        return (output.MoveToOuterDisposeScope(), statistic?.MoveToOuterDisposeScope(), metric?.MoveToOuterDisposeScope());
    }
}
