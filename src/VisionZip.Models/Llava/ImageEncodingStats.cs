namespace VisionZip.Models.Llava;

/// <summary>What encoding one image cost and produced.</summary>
/// <param name="TokensBefore">Visual tokens vanilla LLaVA would feed the LLM for this image (e.g. 576 for LLaVA-1.5).</param>
/// <param name="TokensAfter">Visual tokens actually produced (equal to <paramref name="TokensBefore"/> without VisionZip).</param>
/// <param name="Preprocess">Resize, crop/pad, rescale and normalise (zero when pixel values were given).</param>
/// <param name="Vision">The vision tower up to the feature layer.</param>
/// <param name="Zip">Dominant selection and contextual merging (zero for vanilla).</param>
/// <param name="Projector">The multi-modal projector.</param>
public sealed record ImageEncodingStats(
    int TokensBefore,
    int TokensAfter,
    TimeSpan Preprocess,
    TimeSpan Vision,
    TimeSpan Zip,
    TimeSpan Projector)
{
    /// <summary>All stages together.</summary>
    public TimeSpan Total => Preprocess + Vision + Zip + Projector;

    /// <summary>Fraction of the vanilla visual tokens that remain (1 without VisionZip).</summary>
    public double KeptFraction => TokensBefore == 0 ? 1 : (double)TokensAfter / TokensBefore;
}
