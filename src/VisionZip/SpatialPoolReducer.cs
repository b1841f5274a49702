using TorchSharp;
using static TorchSharp.torch;

namespace VisionZip;

/// <summary>
/// The spatial pooling baseline: drops CLS and average-pools the g x g patch grid to rows x cols = the requested count
/// (adaptive average pooling, as LLaVA-OneVision does to video frames). Reads no attention statistics.
/// </summary>
/// <remarks>Immutable and thread-safe. Pools in float32 (float64 for float64 input) and returns the input dtype.</remarks>
public sealed class SpatialPoolReducer : IVisualTokenReducer
{
    /// <summary>A reducer to <paramref name="tokens"/> tokens per image.</summary>
    /// <param name="tokens">Pooled tokens per image; checked against the encoder when used.</param>
    public SpatialPoolReducer(int tokens) => Tokens = tokens;

    /// <summary>Pooled tokens per image.</summary>
    public int Tokens { get; }

    /// <inheritdoc />
    public string Name => VisualTokenReducers.Pool;

    /// <summary>None: pooling reads only the hidden states.</summary>
    /// <param name="hasCls">Unused.</param>
    public FeatureStatistics RequiredStatistics(bool hasCls) => FeatureStatistics.None;

    /// <inheritdoc />
    public int OutputTokenCount(int inputTokens, bool hasCls) => PoolGrid.For(Tokens, inputTokens, hasCls).Count;

    /// <summary>Pools every image; the result is a <see cref="PooledTokens"/>.</summary>
    /// <param name="layer">The feature layer (statistics unused).</param>
    /// <exception cref="ArgumentException">The patches are not a square grid or the count does not fit it.</exception>
    public TokenReduction Reduce(FeatureLayer layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        var hidden = layer.HiddenStates;                                                      // [B, N, D]
        var grid = PoolGrid.For(Tokens, layer.TokenCount, layer.HasCls);
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var (batch, features) = (hidden.shape[0], hidden.shape[2]);
        var accumulate = hidden.dtype == ScalarType.Float64 ? ScalarType.Float64 : ScalarType.Float32;
        var patches = layer.HasCls ? hidden.narrow(1, 1, hidden.shape[1] - 1) : hidden;        // [B, g*g, D]
        var image = patches.to(accumulate).reshape(batch, grid.Side, grid.Side, features).permute(0, 3, 1, 2); // [B, D, g, g]
        var pooled = torch.nn.functional.adaptive_avg_pool2d(image, [grid.Rows, grid.Cols]);  // [B, D, rows, cols]
        var tokens = pooled.flatten(2).transpose(1, 2).to(hidden.dtype).contiguous();          // [B, rows*cols, D]
        return new PooledTokens(tokens.MoveToOuterDisposeScope(), layer.TokenCount, grid, layer.HasCls);
    }

    /// <inheritdoc />
    public override string ToString() => $"pool {Tokens}";
}
