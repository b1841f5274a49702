namespace VisionZip;

/// <summary>
/// A training-free visual-token reduction method: turns the N tokens of an encoder's feature layer into fewer tokens
/// for the language model. <see cref="VisionZipReducer"/> (the paper's method) and <see cref="SpatialPoolReducer"/>
/// (average pooling of the patch grid) are built in; add one by implementing this interface in one file and registering
/// it with <see cref="VisualTokenReducers.Register"/>.
/// </summary>
/// <remarks>Implementations are immutable and thread-safe: one instance may reduce many images concurrently.</remarks>
public interface IVisualTokenReducer
{
    /// <summary>The registry name, e.g. <c>visionzip</c> or <c>pool</c>.</summary>
    string Name { get; }

    /// <summary>The statistics of the feature layer this reducer reads; the encoder computes only these.</summary>
    /// <param name="hasCls">True when the encoder has a CLS token (CLIP).</param>
    FeatureStatistics RequiredStatistics(bool hasCls);

    /// <summary>
    /// Tokens per image after reduction, for an encoder with <paramref name="inputTokens"/> tokens (CLS included). Call
    /// it before encoding: it throws when the reduction cannot be done, before anything is allocated.
    /// </summary>
    /// <param name="inputTokens">N, the feature layer's tokens per image, CLS included.</param>
    /// <param name="hasCls">True when token 0 is CLS.</param>
    /// <exception cref="ArgumentException">The reduction does not fit <paramref name="inputTokens"/> tokens.</exception>
    int OutputTokenCount(int inputTokens, bool hasCls);

    /// <summary>Reduces every image of the batch on its own; the caller disposes the result.</summary>
    /// <param name="layer">The feature layer with at least <see cref="RequiredStatistics"/>.</param>
    /// <exception cref="ArgumentException">A statistic is missing or the reduction does not fit the layer.</exception>
    TokenReduction Reduce(FeatureLayer layer);
}
