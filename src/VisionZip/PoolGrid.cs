namespace VisionZip;

/// <summary>
/// The geometry of <see cref="SpatialPoolReducer"/>: a square g x g patch grid pooled to rows x cols cells with
/// adaptive average pooling windows (cell i covers grid rows <c>floor(i * g / rows)</c> to
/// <c>ceil((i + 1) * g / rows)</c>, exclusive; the same on columns), as <c>adaptive_avg_pool2d</c> does.
/// </summary>
/// <param name="Side">g, patches per side of the grid.</param>
/// <param name="Rows">Cells per column of the pooled grid.</param>
/// <param name="Cols">Cells per row of the pooled grid.</param>
public readonly record struct PoolGrid(int Side, int Rows, int Cols)
{
    /// <summary>Pooled tokens per image: <c>Rows * Cols</c>.</summary>
    public int Count => Rows * Cols;

    /// <summary>
    /// The most nearly square rows x cols = <paramref name="tokens"/> that fits a g x g grid (rows &lt;= cols &lt;= g), for
    /// an encoder with <paramref name="inputTokens"/> tokens (CLS included).
    /// </summary>
    /// <param name="tokens">Pooled tokens per image.</param>
    /// <param name="inputTokens">N, the feature layer's tokens per image.</param>
    /// <param name="hasCls">True when token 0 is CLS (it is left out of the grid).</param>
    /// <exception cref="ArgumentException">The patches do not form a square grid, or no rows x cols = tokens fits it.</exception>
    public static PoolGrid For(int tokens, int inputTokens, bool hasCls)
    {
        int patches = inputTokens - (hasCls ? 1 : 0);
        int side = (int)Math.Round(Math.Sqrt(Math.Max(patches, 0)));
        if (patches < 1 || side * side != patches)
        {
            throw new ArgumentException(
                $"pool: the encoder's {patches} patch tokens do not form a square grid, so they cannot be pooled spatially", "budget");
        }

        if (tokens < 1 || tokens > patches)
        {
            throw new ArgumentException($"pool: tokens must be 1 to the {patches} patches of the {side}x{side} grid; got {tokens}", "budget");
        }

        for (int rows = (int)Math.Sqrt(tokens); rows >= 1; rows--)
        {
            if (tokens % rows == 0 && tokens / rows <= side)
            {
                return new PoolGrid(side, rows, tokens / rows);
            }
        }

        throw new ArgumentException(
            $"pool: {tokens} tokens cannot be laid out as rows x cols within the {side}x{side} patch grid (both at most {side}); " +
            "pick a count with such a factorisation, e.g. a square", "budget");
    }

    /// <summary>The grid rows (or columns) pooled into cell <paramref name="cell"/> of <paramref name="cells"/>: [start, end).</summary>
    /// <param name="cell">The cell index along the axis.</param>
    /// <param name="cells">Cells along the axis (<see cref="Rows"/> or <see cref="Cols"/>).</param>
    public (int Start, int End) Window(int cell, int cells) =>
        (cell * Side / cells, ((cell + 1) * Side + cells - 1) / cells);
}
