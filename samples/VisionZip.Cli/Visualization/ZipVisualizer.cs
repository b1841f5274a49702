using System.Globalization;
using SkiaSharp;

namespace VisionZip.Cli.Visualization;

/// <summary>
/// Draws what VisionZip kept, as a PNG a person reads at a glance. Left: the preprocessed image with the patch
/// grid, the dominant tokens outlined and every contextual group tinted in its own colour (its target marked by a
/// dot). Right: the layer's attention statistic as a heat map. Below: a legend with the counts.
/// </summary>
internal static class ZipVisualizer
{
    private const float Margin = 28;
    private const float Gap = 40;
    private const float HeaderHeight = 70;
    private const float PanelTitleHeight = 30;
    private const float LegendHeight = 132;

    /// <summary>Renders <paramref name="visualization"/> and returns the PNG bytes.</summary>
    public static byte[] RenderPng(ZipVisualization visualization)
    {
        using SKBitmap bitmap = Render(visualization);
        using SKData png = bitmap.Encode(SKEncodedImageFormat.Png, 100)
            ?? throw new InvalidOperationException("SkiaSharp could not encode the PNG");
        return png.ToArray();
    }

    /// <summary>Renders one picture per tile stacked top to bottom (LLaVA-NeXT: base image, then the crops) as one PNG.</summary>
    public static byte[] RenderPng(IReadOnlyList<ZipVisualization> tiles)
    {
        ArgumentNullException.ThrowIfNull(tiles);
        if (tiles.Count == 1)
        {
            return RenderPng(tiles[0]);
        }

        var bitmaps = tiles.Select(Render).ToList();
        try
        {
            using var stacked = new SKBitmap(new SKImageInfo(bitmaps.Max(b => b.Width), bitmaps.Sum(b => b.Height), SKColorType.Rgba8888, SKAlphaType.Premul));
            using (var canvas = new SKCanvas(stacked))
            {
                canvas.Clear(SKColors.White);
                int top = 0;
                foreach (var bitmap in bitmaps)
                {
                    using (var frame = SKImage.FromBitmap(bitmap))
                    {
                        canvas.DrawImage(frame, SKRect.Create(0, top, bitmap.Width, bitmap.Height), Sampling);
                    }

                    top += bitmap.Height;
                }
            }

            using SKData png = stacked.Encode(SKEncodedImageFormat.Png, 100) ?? throw new InvalidOperationException("SkiaSharp could not encode the PNG");
            return png.ToArray();
        }
        finally
        {
            bitmaps.ForEach(bitmap => bitmap.Dispose());
        }
    }

    /// <summary>Size of the picture drawn for an encoder input of <paramref name="imageWidth"/> x <paramref name="imageHeight"/>.</summary>
    public static (int Width, int Height) CanvasSize(int imageWidth, int imageHeight)
    {
        int scale = Scale(imageWidth, imageHeight);
        return ((int)Math.Ceiling(2 * Margin + 2 * imageWidth * scale + Gap),
            (int)Math.Ceiling(Margin + HeaderHeight + PanelTitleHeight + imageHeight * scale + LegendHeight + Margin / 2));
    }

    /// <summary>Renders <paramref name="visualization"/> into a new bitmap (caller disposes).</summary>
    public static SKBitmap Render(ZipVisualization visualization)
    {
        visualization.Validate();
        int scale = Scale(visualization.Width, visualization.Height);
        float panelWidth = visualization.Width * scale;
        float panelHeight = visualization.Height * scale;
        (int width, int height) = CanvasSize(visualization.Width, visualization.Height);

        var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul));
        using var canvas = new SKCanvas(bitmap);
        canvas.Clear(Palette.Background);
        using SKImage photo = ToImage(visualization);
        using var fonts = new Fonts();

        var left = SKRect.Create(Margin, Margin + HeaderHeight + PanelTitleHeight, panelWidth, panelHeight);
        var right = SKRect.Create(left.Right + Gap, left.Top, panelWidth, panelHeight);
        float cell = visualization.Grid.PatchSize * scale;
        var zip = new ZipMaps(visualization);

        DrawHeader(canvas, fonts, visualization, zip, width);
        bool zipped = visualization.IsVisionZip;
        DrawText(canvas, zipped ? "Kept tokens on the preprocessed image" : "Patches merged into each output token", left.Left, left.Top - 10,
            fonts.PanelTitle, Palette.Text);
        DrawText(canvas, zipped ? $"Attention map ({visualization.ScoreLabel})" : "The preprocessed image (this reducer reads no attention)",
            right.Left, right.Top - 10, fonts.PanelTitle, Palette.Text);

        DrawKeptPanel(canvas, photo, left, cell, visualization, zip);
        DrawLegend(canvas, fonts, left, visualization, zip);
        if (zipped)
        {
            DrawHeatPanel(canvas, photo, right, cell, visualization, zip, out double low, out double high);
            DrawColorBar(canvas, fonts, right, low, high);
        }
        else
        {
            canvas.DrawImage(photo, right, Sampling);
            DrawFrame(canvas, right);
        }

        return bitmap;
    }

    // Small inputs are enlarged by a whole factor so a patch stays a crisp square of at least a few pixels.
    private static int Scale(int width, int height) => Math.Max(1, (int)Math.Ceiling(560.0 / Math.Max(width, height)));

    private static void DrawHeader(SKCanvas canvas, Fonts fonts, ZipVisualization v, ZipMaps zip, float width)
    {
        int kept = v.KeptIndices.Count + v.ContextualGroups;
        string before = v.Grid.HasCls ? $"{v.Grid.Tokens} tokens (CLS + {v.Grid.Patches} patches)" : $"{v.Grid.Tokens} tokens";
        string split = v.IsVisionZip ? $"{v.KeptIndices.Count} dominant + {v.ContextualGroups} contextual" : $"{v.ContextualGroups} groups averaged";
        DrawText(canvas, $"{v.Method}: {before} \u2192 {kept}  ({split})",
            Margin, Margin + 26, fonts.Title, Palette.Text);
        DrawText(canvas, Ellipsize(v.Title, fonts.Body, width - 2 * Margin), Margin, Margin + 52, fonts.Body, Palette.Muted);
    }

    private static void DrawKeptPanel(SKCanvas canvas, SKImage photo, SKRect panel, float cell, ZipVisualization v, ZipMaps zip)
    {
        // Everything grey and dimmed, then the dominant patches in full colour, then each contextual group tinted.
        using (var greyPaint = new SKPaint { ColorFilter = Greyscale(0.9f) })
        {
            canvas.DrawImage(photo, panel, Sampling, greyPaint);
        }

        PatchGrid grid = v.Grid;
        canvas.Save();
        using (var builder = new SKPathBuilder())
        {
            for (int row = 0; row < grid.Rows; row++)
            {
                for (int column = 0; column < grid.Columns; column++)
                {
                    if (zip.IsDominant(row, column))
                    {
                        builder.AddRect(CellRect(panel, cell, row, column), SKPathDirection.Clockwise);
                    }
                }
            }

            using SKPath dominant = builder.Detach();
            canvas.ClipPath(dominant, SKClipOperation.Intersect, antialias: false);
            canvas.DrawImage(photo, panel, Sampling);
        }

        canvas.Restore();
        using (var tint = new SKPaint { Style = SKPaintStyle.Fill, IsAntialias = false })
        {
            for (int row = 0; row < grid.Rows; row++)
            {
                for (int column = 0; column < grid.Columns; column++)
                {
                    int group = zip.GroupOf(row, column);
                    if (group >= 0)
                    {
                        tint.Color = Palette.Group(group).WithAlpha(80);
                        canvas.DrawRect(CellRect(panel, cell, row, column), tint);
                    }
                }
            }
        }

        DrawGridLines(canvas, panel, cell, grid, new SKColor(255, 255, 255, 60));
        using SKPath outline = DominantOutline(panel, cell, zip);
        StrokePath(canvas, outline, SKColors.Black.WithAlpha(200), Math.Max(3.5f, cell * 0.16f) + 2.5f);
        StrokePath(canvas, outline, Palette.Dominant, Math.Max(2f, cell * 0.12f));

        using var dot = new SKPaint { Style = SKPaintStyle.Fill, IsAntialias = true };
        using var ring = new SKPaint { Style = SKPaintStyle.Stroke, IsAntialias = true, StrokeWidth = 1.5f, Color = SKColors.White };
        foreach ((int group, int row, int column) in zip.Targets)
        {
            SKRect rect = CellRect(panel, cell, row, column);
            float radius = Math.Max(2.5f, cell * 0.2f);
            dot.Color = Palette.Group(group);
            canvas.DrawCircle(rect.MidX, rect.MidY, radius, dot);
            canvas.DrawCircle(rect.MidX, rect.MidY, radius, ring);
        }

        DrawFrame(canvas, panel);
    }

    private static void DrawHeatPanel(SKCanvas canvas, SKImage photo, SKRect panel, float cell, ZipVisualization v, ZipMaps zip, out double low, out double high)
    {
        // Grey, darkened photo underneath so the map stays anchored to the scene.
        using (var photoPaint = new SKPaint { ColorFilter = Greyscale(0.55f) })
        {
            canvas.DrawImage(photo, panel, Sampling, photoPaint);
        }

        PatchGrid grid = v.Grid;
        (low, high) = zip.ScoreRange;
        using (var fill = new SKPaint { Style = SKPaintStyle.Fill, IsAntialias = false })
        {
            for (int row = 0; row < grid.Rows; row++)
            {
                for (int column = 0; column < grid.Columns; column++)
                {
                    fill.Color = Palette.Heat(zip.RankOf(row, column)).WithAlpha(215);
                    canvas.DrawRect(CellRect(panel, cell, row, column), fill);
                }
            }
        }

        using SKPath outline = DominantOutline(panel, cell, zip);
        StrokePath(canvas, outline, SKColors.White.WithAlpha(150), 1.25f);
        DrawFrame(canvas, panel);
    }

    private static void DrawLegend(SKCanvas canvas, Fonts fonts, SKRect panel, ZipVisualization v, ZipMaps zip)
    {
        float x = panel.Left;
        float y = panel.Bottom + 30;
        const float Swatch = 18;
        const float Line = 27;

        if (!v.IsVisionZip)
        {
            DrawGroupsLegend(canvas, fonts, x, y, v, zip);
            return;
        }

        // Dominant: an outlined box.
        var box = SKRect.Create(x, y - Swatch + 4, Swatch, Swatch);
        using (var builder = new SKPathBuilder())
        {
            builder.AddRect(box, SKPathDirection.Clockwise);
            using SKPath path = builder.Detach();
            StrokePath(canvas, path, SKColors.Black.WithAlpha(200), 5f);
            StrokePath(canvas, path, Palette.Dominant, 2.5f);
        }

        int dominantPatches = zip.DominantPatches;
        string clsPart = v.Grid.HasCls ? $" (CLS + {dominantPatches} patches)" : "";
        DrawText(canvas, $"Dominant: {v.KeptIndices.Count} tokens kept as they are{clsPart}, outlined, in colour", x + Swatch + 10, y, fonts.Body, Palette.Text);

        // Contextual: a strip of group colours.
        y += Line;
        int groups = v.ContextualGroups;
        int shown = Math.Min(Math.Max(groups, 1), 6);
        using (var fill = new SKPaint { Style = SKPaintStyle.Fill })
        {
            for (int i = 0; i < shown; i++)
            {
                fill.Color = groups == 0 ? SKColors.LightGray : Palette.Group(i);
                canvas.DrawRect(SKRect.Create(x + i * (Swatch / shown), y - Swatch + 4, Swatch / shown + 0.5f, Swatch), fill);
            }
        }

        string contextual = groups == 0
            ? $"Contextual: none (--contextual 0): the other {zip.MergedPatches} patches are dropped"
            : $"Contextual: {groups} tokens, each merges one colour group ({zip.MergedPatches} patches in all)";
        DrawText(canvas, contextual, x + Swatch + 10, y, fonts.Body, Palette.Text);

        y += Line;
        if (groups > 0)
        {
            using var dot = new SKPaint { Style = SKPaintStyle.Fill, IsAntialias = true, Color = Palette.Group(0) };
            using var ring = new SKPaint { Style = SKPaintStyle.Stroke, IsAntialias = true, StrokeWidth = 1.5f, Color = SKColors.DimGray };
            canvas.DrawCircle(x + Swatch / 2, y - Swatch / 2 + 4, 5, dot);
            canvas.DrawCircle(x + Swatch / 2, y - Swatch / 2 + 4, 5, ring);
            DrawText(canvas, "Dot: the group's target patch (its token = target + mean of the group)", x + Swatch + 10, y, fonts.Body, Palette.Text);
            y += Line;
        }

        DrawText(canvas,
            $"Grid {v.Grid.Rows}\u00d7{v.Grid.Columns} patches of {v.Grid.PatchSize} px on the {v.Width}\u00d7{v.Height} encoder input",
            x, y, fonts.Small, Palette.Muted);
    }

    // A reducer other than VisionZip: only its groups (each output token averages one colour group of patches).
    private static void DrawGroupsLegend(SKCanvas canvas, Fonts fonts, float x, float y, ZipVisualization v, ZipMaps zip)
    {
        const float Swatch = 18;
        int shown = Math.Min(Math.Max(v.ContextualGroups, 1), 6);
        using (var fill = new SKPaint { Style = SKPaintStyle.Fill })
        {
            for (int i = 0; i < shown; i++)
            {
                fill.Color = Palette.Group(i);
                canvas.DrawRect(SKRect.Create(x + i * (Swatch / shown), y - Swatch + 4, Swatch / shown + 0.5f, Swatch), fill);
            }
        }

        DrawText(canvas, $"{v.Method}: {v.ContextualGroups} tokens, each the mean of one colour group ({zip.MergedPatches} patches in all)",
            x + Swatch + 10, y, fonts.Body, Palette.Text);
        DrawText(canvas,
            $"Grid {v.Grid.Rows}\u00d7{v.Grid.Columns} patches of {v.Grid.PatchSize} px on the {v.Width}\u00d7{v.Height} encoder input",
            x, y + 27, fonts.Small, Palette.Muted);
    }

    private static void DrawColorBar(SKCanvas canvas, Fonts fonts, SKRect panel, double low, double high)
    {
        var bar = SKRect.Create(panel.Left, panel.Bottom + 16, panel.Width, 16);
        using (var fill = new SKPaint { Style = SKPaintStyle.Fill })
        {
            const int Steps = 128;
            float step = bar.Width / Steps;
            for (int i = 0; i < Steps; i++)
            {
                fill.Color = Palette.Heat((i + 0.5) / Steps);
                canvas.DrawRect(SKRect.Create(bar.Left + i * step, bar.Top, step + 0.5f, bar.Height), fill);
            }
        }

        DrawFrame(canvas, bar);
        float y = bar.Bottom + 20;
        DrawText(canvas, $"lowest ({Format(low)})", bar.Left, y, fonts.Small, Palette.Muted);
        DrawText(canvas, "patches ranked by score", bar.MidX, y, fonts.Small, Palette.Muted, SKTextAlign.Center);
        DrawText(canvas, $"highest ({Format(high)})", bar.Right, y, fonts.Small, Palette.Muted, SKTextAlign.Right);
        DrawText(canvas, "Colour = rank of the patch's score (attention is very peaked, so ranks read better than values).",
            bar.Left, y + 24, fonts.Small, Palette.Muted);
        DrawText(canvas, "VisionZip keeps the highest-ranked patches as dominant tokens (thin white outline).", bar.Left, y + 46, fonts.Small, Palette.Muted);
    }

    private static readonly SKSamplingOptions Sampling = new(SKFilterMode.Linear, SKMipmapMode.None);

    /// <summary>Luminance (Rec. 709) scaled by <paramref name="brightness"/>, alpha kept.</summary>
    private static SKColorFilter Greyscale(float brightness)
    {
        float r = 0.2126f * brightness, g = 0.7152f * brightness, b = 0.0722f * brightness;
        return SKColorFilter.CreateColorMatrix([r, g, b, 0, 0, r, g, b, 0, 0, r, g, b, 0, 0, 0, 0, 0, 1, 0]);
    }

    private static string Format(double value) => value.ToString(Math.Abs(value) >= 0.01 || value == 0 ? "0.###" : "0.##E+0", CultureInfo.InvariantCulture);

    private static SKRect CellRect(SKRect panel, float cell, int row, int column) =>
        SKRect.Create(panel.Left + column * cell, panel.Top + row * cell, cell, cell);

    private static void DrawGridLines(SKCanvas canvas, SKRect panel, float cell, PatchGrid grid, SKColor color)
    {
        using var line = new SKPaint { Style = SKPaintStyle.Stroke, StrokeWidth = 1, Color = color, IsAntialias = false };
        float gridWidth = grid.Columns * cell;
        float gridHeight = grid.Rows * cell;
        for (int row = 0; row <= grid.Rows; row++)
        {
            canvas.DrawLine(panel.Left, panel.Top + row * cell, panel.Left + gridWidth, panel.Top + row * cell, line);
        }

        for (int column = 0; column <= grid.Columns; column++)
        {
            canvas.DrawLine(panel.Left + column * cell, panel.Top, panel.Left + column * cell, panel.Top + gridHeight, line);
        }
    }

    /// <summary>The boundary of the union of dominant patches: an edge wherever a dominant patch meets a non-dominant one.</summary>
    private static SKPath DominantOutline(SKRect panel, float cell, ZipMaps zip)
    {
        using var path = new SKPathBuilder();
        PatchGrid grid = zip.Grid;
        for (int row = 0; row < grid.Rows; row++)
        {
            for (int column = 0; column < grid.Columns; column++)
            {
                if (!zip.IsDominant(row, column))
                {
                    continue;
                }

                SKRect r = CellRect(panel, cell, row, column);
                if (!zip.IsDominant(row - 1, column)) { path.MoveTo(r.Left, r.Top); path.LineTo(r.Right, r.Top); }
                if (!zip.IsDominant(row + 1, column)) { path.MoveTo(r.Left, r.Bottom); path.LineTo(r.Right, r.Bottom); }
                if (!zip.IsDominant(row, column - 1)) { path.MoveTo(r.Left, r.Top); path.LineTo(r.Left, r.Bottom); }
                if (!zip.IsDominant(row, column + 1)) { path.MoveTo(r.Right, r.Top); path.LineTo(r.Right, r.Bottom); }
            }
        }

        return path.Detach();
    }

    private static void StrokePath(SKCanvas canvas, SKPath path, SKColor color, float width)
    {
        using var paint = new SKPaint
        {
            Style = SKPaintStyle.Stroke,
            StrokeWidth = width,
            Color = color,
            IsAntialias = true,
            StrokeCap = SKStrokeCap.Square,
            StrokeJoin = SKStrokeJoin.Miter,
        };
        canvas.DrawPath(path, paint);
    }

    private static void DrawFrame(SKCanvas canvas, SKRect rect)
    {
        using var frame = new SKPaint { Style = SKPaintStyle.Stroke, StrokeWidth = 1, Color = new SKColor(0x40, 0x40, 0x40), IsAntialias = false };
        canvas.DrawRect(rect, frame);
    }

    private static void DrawText(SKCanvas canvas, string text, float x, float y, SKFont font, SKColor color, SKTextAlign align = SKTextAlign.Left)
    {
        using var paint = new SKPaint { Color = color, IsAntialias = true };
        canvas.DrawText(text, x, y, align, font, paint);
    }

    private static string Ellipsize(string text, SKFont font, float width)
    {
        if (font.MeasureText(text) <= width)
        {
            return text;
        }

        // Keep the end (file names matter more than leading directories).
        for (int cut = 1; cut < text.Length; cut++)
        {
            string candidate = "\u2026" + text[cut..];
            if (font.MeasureText(candidate) <= width)
            {
                return candidate;
            }
        }

        return text;
    }

    private static SKImage ToImage(ZipVisualization v)
    {
        var info = new SKImageInfo(v.Width, v.Height, SKColorType.Rgba8888, SKAlphaType.Opaque);
        byte[] rgba = new byte[v.Width * v.Height * 4];
        for (int i = 0, j = 0; i < v.Rgb.Length; i += 3, j += 4)
        {
            rgba[j] = v.Rgb[i];
            rgba[j + 1] = v.Rgb[i + 1];
            rgba[j + 2] = v.Rgb[i + 2];
            rgba[j + 3] = 255;
        }

        using SKData data = SKData.CreateCopy(rgba);
        return SKImage.FromPixels(info, data, info.RowBytes)
            ?? throw new InvalidOperationException($"SkiaSharp could not wrap the {v.Width}x{v.Height} image");
    }

    /// <summary>Fonts through fontconfig (DejaVu Sans when installed), falling back to Skia's default.</summary>
    private sealed class Fonts : IDisposable
    {
        private readonly SKTypeface _regular;
        private readonly SKTypeface _bold;

        public Fonts()
        {
            _regular = SKTypeface.FromFamilyName("DejaVu Sans") ?? SKTypeface.Default;
            _bold = SKTypeface.FromFamilyName("DejaVu Sans", SKFontStyle.Bold) ?? _regular;
            Title = new SKFont(_bold, 22) { Subpixel = true };
            PanelTitle = new SKFont(_bold, 16) { Subpixel = true };
            Body = new SKFont(_regular, 15) { Subpixel = true };
            Small = new SKFont(_regular, 13) { Subpixel = true };
        }

        public SKFont Title { get; }

        public SKFont PanelTitle { get; }

        public SKFont Body { get; }

        public SKFont Small { get; }

        public void Dispose()
        {
            Title.Dispose();
            PanelTitle.Dispose();
            Body.Dispose();
            Small.Dispose();
        }
    }
}
