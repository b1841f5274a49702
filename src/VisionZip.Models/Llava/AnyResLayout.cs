namespace VisionZip.Models.Llava;

/// <summary>
/// Where every row of a LLaVA-NeXT ('anyres') image sequence comes from: the vanilla order of transformers
/// <c>pack_image_features</c> (base patches, then the unpadded crop grid with one <c>image_newline</c> per grid row) and the
/// VisionZip order of the official release (<c>visionzip/llava_arch.py</c>).
/// </summary>
/// <remarks>
/// Images are numbered as in <c>pixel_values</c>: 0 = the base image, 1 + r * cols + c = crop (r, c). A row is
/// (image, row of that image's features); <see cref="AnyResRow.Newline"/> marks an <c>image_newline</c> row.
/// Pure functions; thread-safe.
/// </remarks>
public static class AnyResLayout
{
    /// <summary>
    /// transformers <c>unpad_image</c> on the (rows * g) x (cols * g) crop grid: the half-open grid rows and columns that
    /// hold the photo. If <c>W / H &gt; width / height</c> the photo fills the width and
    /// <c>int(round(H * width / W, 7))</c> rows are kept, dropping <c>(height - kept) // 2</c> at the top and the bottom;
    /// otherwise the same on the columns.
    /// </summary>
    /// <param name="originalSize">The photo's (height, width) (<c>image_sizes</c>).</param>
    /// <param name="gridHeight">Token rows of the crop grid (rows * g).</param>
    /// <param name="gridWidth">Token columns of the crop grid (cols * g).</param>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive.</exception>
    public static (int RowStart, int RowEnd, int ColStart, int ColEnd) UnpadExtent((int Height, int Width) originalSize, int gridHeight, int gridWidth)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(originalSize.Height, 1, nameof(originalSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(originalSize.Width, 1, nameof(originalSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(gridHeight, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(gridWidth, 1);
        double originalAspect = originalSize.Width / (double)originalSize.Height;
        double currentAspect = gridWidth / (double)gridHeight;
        if (originalAspect > currentAspect)
        {
            double scale = gridWidth / (double)originalSize.Width;
            int kept = (int)Math.Round(originalSize.Height * scale, 7, MidpointRounding.ToEven);
            int padding = (gridHeight - kept) / 2;
            return (padding, gridHeight - padding, 0, gridWidth);
        }
        else
        {
            double scale = gridHeight / (double)originalSize.Height;
            int kept = (int)Math.Round(originalSize.Width * scale, 7, MidpointRounding.ToEven);
            int padding = (gridWidth - kept) / 2;
            return (0, gridHeight, padding, gridWidth - padding);
        }
    }

    /// <summary>
    /// The vanilla sequence (<c>pack_image_features</c>, 'spatial_unpad' with <c>image_newline</c>): the base image's
    /// g * g patches, then the unpadded crop grid row by row, each grid row followed by a newline row. Its length is
    /// LlavaNextProcessor's <c>&lt;image&gt;</c> count.
    /// </summary>
    /// <param name="grid">The crop grid (rows, cols).</param>
    /// <param name="tokensPerSide">g = vision <c>image_size / patch_size</c>.</param>
    /// <param name="originalSize">The photo's (height, width).</param>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive.</exception>
    public static IReadOnlyList<AnyResRow> Vanilla((int Rows, int Cols) grid, int tokensPerSide, (int Height, int Width) originalSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(grid.Rows, 1, nameof(grid));
        ArgumentOutOfRangeException.ThrowIfLessThan(grid.Cols, 1, nameof(grid));
        ArgumentOutOfRangeException.ThrowIfLessThan(tokensPerSide, 1);
        int g = tokensPerSide;
        var rows = new List<AnyResRow>(g * g * (1 + grid.Rows * grid.Cols) + grid.Rows * g);
        for (int p = 0; p < g * g; p++)
        {
            rows.Add(new AnyResRow(0, p));
        }

        var (rowStart, rowEnd, colStart, colEnd) = UnpadExtent(originalSize, grid.Rows * g, grid.Cols * g);
        for (int y = rowStart; y < rowEnd; y++)
        {
            for (int x = colStart; x < colEnd; x++)
            {
                rows.Add(new AnyResRow(1 + (y / g) * grid.Cols + x / g, (y % g) * g + x % g));
            }

            rows.Add(AnyResRow.Newline);
        }

        return rows;
    }

    /// <summary>
    /// The VisionZip sequence of the official LLaVA-NeXT code: every row of the base image (dominant then contextual);
    /// the crops' dominant non-CLS tokens in raster order of the whole (rows * g) x (cols * g) grid (no unpad, no
    /// newline); the crops' CLS rows in crop order; the crops' contextual rows, crop-major. Rows index each image's
    /// zipped tokens (dominant in ascending position order, then contextual).
    /// </summary>
    /// <param name="grid">The crop grid (rows, cols).</param>
    /// <param name="tokensPerSide">g = vision <c>image_size / patch_size</c>.</param>
    /// <param name="keptIndices">Per image (base first) its ascending dominant token positions (position 0 = CLS when <paramref name="hasCls"/>).</param>
    /// <param name="contextual">Contextual tokens per image.</param>
    /// <param name="hasCls">True when the tower has a CLS token at position 0 (CLIP).</param>
    /// <exception cref="ArgumentException">The number of images is not 1 + rows * cols, or a position lies outside the grid.</exception>
    public static IReadOnlyList<AnyResRow> Zipped((int Rows, int Cols) grid, int tokensPerSide, IReadOnlyList<IReadOnlyList<long>> keptIndices,
        int contextual, bool hasCls)
    {
        ArgumentNullException.ThrowIfNull(keptIndices);
        ArgumentOutOfRangeException.ThrowIfLessThan(grid.Rows, 1, nameof(grid));
        ArgumentOutOfRangeException.ThrowIfLessThan(grid.Cols, 1, nameof(grid));
        ArgumentOutOfRangeException.ThrowIfLessThan(tokensPerSide, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(contextual);
        int images = 1 + grid.Rows * grid.Cols;
        if (keptIndices.Count != images)
        {
            throw new ArgumentException(
                $"{nameof(keptIndices)}: {keptIndices.Count} images given, expected 1 + {grid.Rows} * {grid.Cols} = {images}", nameof(keptIndices));
        }

        int g = tokensPerSide;
        int dominant = keptIndices[0].Count;
        var rows = new List<AnyResRow>(images * (dominant + contextual));
        for (int r = 0; r < dominant + contextual; r++)
        {
            rows.Add(new AnyResRow(0, r));
        }

        int offset = hasCls ? 1 : 0;
        var placed = new List<(long Key, AnyResRow Row)>();
        for (int image = 1; image < images; image++)
        {
            var kept = keptIndices[image];
            if (kept.Count != dominant)
            {
                throw new ArgumentException(
                    $"{nameof(keptIndices)}: image {image} has {kept.Count} dominant tokens, image 0 has {dominant}", nameof(keptIndices));
            }

            int cropRow = (image - 1) / grid.Cols;
            int cropCol = (image - 1) % grid.Cols;
            for (int j = 0; j < kept.Count; j++)
            {
                long patch = kept[j] - offset;
                if (hasCls && kept[j] == 0)
                {
                    continue;
                }

                if (patch < 0 || patch >= (long)g * g)
                {
                    throw new ArgumentException(
                        $"{nameof(keptIndices)}: image {image} keeps position {kept[j]}, outside the {g}x{g} patches", nameof(keptIndices));
                }

                long y = cropRow * (long)g + patch / g;
                long x = cropCol * (long)g + patch % g;
                placed.Add((y * grid.Cols * g + x, new AnyResRow(image, j)));
            }
        }

        rows.AddRange(placed.OrderBy(p => p.Key).Select(p => p.Row));
        if (hasCls)
        {
            for (int image = 1; image < images; image++)
            {
                rows.Add(new AnyResRow(image, ClsRow(keptIndices[image], image)));
            }
        }

        for (int image = 1; image < images; image++)
        {
            for (int c = 0; c < contextual; c++)
            {
                rows.Add(new AnyResRow(image, dominant + c));
            }
        }

        return rows;
    }

    private static int ClsRow(IReadOnlyList<long> kept, int image)
    {
        for (int j = 0; j < kept.Count; j++)
        {
            if (kept[j] == 0)
            {
                return j;
            }
        }

        throw new ArgumentException($"keptIndices: image {image} does not keep the CLS token (position 0)", "keptIndices");
    }
}
