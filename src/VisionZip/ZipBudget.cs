namespace VisionZip;

/// <summary>
/// How many visual tokens VisionZip keeps for one image (or one frame): <see cref="Dominant"/> tokens selected by
/// attention plus <see cref="Contextual"/> tokens merged from the rest.
/// </summary>
/// <param name="Dominant">
/// Tokens kept as they are, chosen by attention. Counts the CLS token when the encoder has one (CLIP), so it must then be
/// at least 2; at least 1 otherwise.
/// </param>
/// <param name="Contextual">Tokens built by merging the remaining tokens into evenly spaced targets; 0 disables merging.</param>
public readonly record struct ZipBudget(int Dominant, int Contextual)
{
    /// <summary>Tokens per image after zipping: <c>Dominant + Contextual</c>.</summary>
    public int Total => Dominant + Contextual;

    /// <summary>Writes the budget the way the paper does, e.g. <c>54+10</c>.</summary>
    public override string ToString() => $"{Dominant}+{Contextual}";
}
