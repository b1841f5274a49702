namespace VisionZip;

/// <summary>
/// VisionZip as a <see cref="IVisualTokenReducer"/>: keeps <see cref="ZipBudget.Dominant"/> tokens by attention and merges
/// the rest into <see cref="ZipBudget.Contextual"/> tokens by key similarity (<see cref="VisionZipper.Zip"/>); the result
/// is a <see cref="ZipResult"/>.
/// </summary>
/// <remarks>Immutable and thread-safe.</remarks>
public sealed class VisionZipReducer : IVisualTokenReducer
{
    /// <summary>A reducer for <paramref name="budget"/> tokens per image.</summary>
    /// <param name="budget">Dominant (counting CLS) and contextual tokens per image; checked against the encoder when used.</param>
    public VisionZipReducer(ZipBudget budget) => Budget = budget;

    /// <summary>Dominant and contextual tokens per image.</summary>
    public ZipBudget Budget { get; }

    /// <inheritdoc />
    public string Name => VisualTokenReducers.VisionZip;

    /// <summary>The CLS attention row (with CLS) or the mean received attention (without), and the key metric.</summary>
    /// <param name="hasCls">True when the encoder has a CLS token.</param>
    public FeatureStatistics RequiredStatistics(bool hasCls) =>
        (hasCls ? FeatureStatistics.ClsAttention : FeatureStatistics.MeanReceivedAttention) | FeatureStatistics.KeyMetric;

    /// <summary><see cref="ZipBudget.Total"/>, after <see cref="ZipBudget.Validate"/>.</summary>
    /// <param name="inputTokens">N, CLS included.</param>
    /// <param name="hasCls">True when token 0 is CLS.</param>
    /// <exception cref="ArgumentException">The budget does not fit.</exception>
    public int OutputTokenCount(int inputTokens, bool hasCls)
    {
        Budget.Validate(inputTokens, hasCls);
        return Budget.Total;
    }

    /// <summary>Zips the layer; the result is a <see cref="ZipResult"/>.</summary>
    /// <param name="layer">A feature layer with the attention statistic and the key metric.</param>
    /// <exception cref="ArgumentException">A statistic is missing or the budget does not fit.</exception>
    public TokenReduction Reduce(FeatureLayer layer) => Zip(layer);

    /// <summary>As <see cref="Reduce"/>, typed.</summary>
    /// <param name="layer">A feature layer with the attention statistic and the key metric.</param>
    /// <exception cref="ArgumentException">A statistic is missing or the budget does not fit.</exception>
    public ZipResult Zip(FeatureLayer layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        layer.Require(RequiredStatistics(layer.HasCls), Name);
        return VisionZipper.Zip(layer.HiddenStates, layer.Attention!, layer.Metric!, Budget, layer.HasCls);
    }

    /// <inheritdoc />
    public override string ToString() => $"visionzip {Budget}";
}
