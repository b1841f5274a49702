namespace VisionZip.Cli.Visualization;

/// <summary>Everything the VisionZip picture shows, independent of any model code.</summary>
/// <param name="Rgb">The preprocessed image, row-major RGB bytes, <paramref name="Width"/> x <paramref name="Height"/>.</param>
/// <param name="Width">Image width in pixels.</param>
/// <param name="Height">Image height in pixels.</param>
/// <param name="Grid">Patch grid of the encoder.</param>
/// <param name="KeptIndices">Dominant token positions (CLS = 0 included when the grid has one).</param>
/// <param name="Assignment">Per token position: -1 dominant, else the contextual group index.</param>
/// <param name="Scores">Per token position: the layer's attention statistic (the CLS entry is ignored).</param>
/// <param name="ScoreLabel">What <paramref name="Scores"/> is, e.g. "CLS attention".</param>
/// <param name="Title">Names the model and image, shown on top.</param>
/// <param name="ContextualTargets">Token position of each contextual group's target (marked with a dot); may be empty.</param>
/// <param name="Method">The reducer drawn: VisionZip (dominant + contextual, attention map), or another reducer's name (its
/// groups only: no dominant tokens, no attention map).</param>
internal sealed record ZipVisualization(
    byte[] Rgb,
    int Width,
    int Height,
    PatchGrid Grid,
    IReadOnlyList<long> KeptIndices,
    IReadOnlyList<long> Assignment,
    IReadOnlyList<float> Scores,
    string ScoreLabel,
    string Title,
    IReadOnlyList<long> ContextualTargets,
    string Method = ZipVisualization.VisionZipMethod)
{
    /// <summary>Contextual groups (one token each).</summary>
    /// <summary>The <see cref="Method"/> of the paper's reducer.</summary>
    public const string VisionZipMethod = "VisionZip";

    /// <summary>True when the picture is of VisionZip (dominant tokens and an attention map to draw).</summary>
    public bool IsVisionZip => Method == VisionZipMethod;

    public int ContextualGroups => Assignment.Count == 0 ? 0 : (int)Math.Max(0, Assignment.Max() + 1);

    /// <summary>Checks that the pieces agree, naming what does not.</summary>
    public void Validate()
    {
        if (Width <= 0 || Height <= 0 || Rgb.Length != Width * Height * 3)
        {
            throw new ArgumentException($"image: {Rgb.Length} bytes for {Width}x{Height} RGB, expected {Math.Max(0, Width * Height * 3)}");
        }

        if (Grid.Columns * Grid.PatchSize > Width || Grid.Rows * Grid.PatchSize > Height)
        {
            throw new ArgumentException($"grid {Grid.Rows}x{Grid.Columns} of {Grid.PatchSize} px does not fit the {Width}x{Height} image");
        }

        if (Assignment.Count != Grid.Tokens)
        {
            throw new ArgumentException($"assignment: {Assignment.Count} entries, grid has {Grid.Tokens} tokens");
        }

        if (Scores.Count != Grid.Tokens)
        {
            throw new ArgumentException($"scores: {Scores.Count} entries, grid has {Grid.Tokens} tokens");
        }

        foreach (long index in KeptIndices.Concat(ContextualTargets))
        {
            if (index < 0 || index >= Grid.Tokens)
            {
                throw new ArgumentException($"token index {index} outside 0..{Grid.Tokens - 1}");
            }
        }
    }
}
