using static TorchSharp.torch;

namespace VisionZip;

/// <summary>
/// What a visual-token reducer reads from the encoder: the feature layer's output hidden states and the statistics of
/// that layer that the reducer asked for (<see cref="FeatureStatistics"/>).
/// </summary>
/// <remarks>
/// Owns its tensors: they are detached from every dispose scope when the object is made; dispose it when done.
/// Not thread-safe.
/// </remarks>
public sealed class FeatureLayer : IDisposable
{
    /// <summary>Takes ownership of the tensors (detaching them from dispose scopes).</summary>
    /// <param name="hiddenStates">[B, N, D] the feature layer's OUTPUT (N includes CLS when present).</param>
    /// <param name="attention">
    /// Float32 [B, H, N] or null: the CLS query row (<see cref="FeatureStatistics.ClsAttention"/>) when
    /// <paramref name="hasCls"/>, else the mean received attention (<see cref="FeatureStatistics.MeanReceivedAttention"/>).
    /// </param>
    /// <param name="metric">Float32 [B, N, Dh] or null: the layer's keys averaged over heads.</param>
    /// <param name="hasCls">True when token 0 is a CLS token (CLIP).</param>
    /// <exception cref="ArgumentNullException"><paramref name="hiddenStates"/> is null.</exception>
    public FeatureLayer(Tensor hiddenStates, Tensor? attention, Tensor? metric, bool hasCls)
    {
        ArgumentNullException.ThrowIfNull(hiddenStates);
        HiddenStates = hiddenStates.DetachFromDisposeScope();
        Attention = attention?.DetachFromDisposeScope();
        Metric = metric?.DetachFromDisposeScope();
        HasCls = hasCls;
    }

    /// <summary>[B, N, D] the feature layer's output, in the encoder's dtype (never passed through a post-layernorm).</summary>
    public Tensor HiddenStates { get; }

    /// <summary>Float32 [B, H, N]: the CLS query row (with CLS) or the mean received attention (without); null when not asked for.</summary>
    public Tensor? Attention { get; }

    /// <summary>Float32 [B, N, Dh]: keys averaged over heads; null when not asked for.</summary>
    public Tensor? Metric { get; }

    /// <summary>True when token 0 is CLS.</summary>
    public bool HasCls { get; }

    /// <summary>Number of tokens N per image (CLS included).</summary>
    public int TokenCount => (int)HiddenStates.shape[1];

    /// <summary>The statistics this layer holds.</summary>
    public FeatureStatistics Statistics =>
        (Attention is null ? FeatureStatistics.None : HasCls ? FeatureStatistics.ClsAttention : FeatureStatistics.MeanReceivedAttention)
        | (Metric is null ? FeatureStatistics.None : FeatureStatistics.KeyMetric);

    /// <summary>Throws unless this layer holds every statistic in <paramref name="required"/>.</summary>
    /// <param name="required">What the caller needs.</param>
    /// <param name="reducer">The reducer's name, for the message.</param>
    /// <exception cref="ArgumentException">A statistic is missing.</exception>
    public void Require(FeatureStatistics required, string reducer)
    {
        var missing = required & ~Statistics;
        if (missing != FeatureStatistics.None)
        {
            throw new ArgumentException(
                $"the '{reducer}' reducer needs the feature layer's {missing} but the encoder computed only {Statistics}; " +
                "encode with the reducer's RequiredStatistics", "layer");
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        HiddenStates.Dispose();
        Attention?.Dispose();
        Metric?.Dispose();
    }
}
