using System.Globalization;
using SkiaSharp;
using VisionZip.Cli.Infrastructure;
using VisionZip.Models.Performance;

namespace VisionZip.Cli.Bench;

/// <summary>
/// The two charts of <c>--plot FILE.png</c>: FILE.png, time to first token against visual tokens (measured medians with
/// their min-max, and the FLOP model's line through the vanilla point); FILE-stages.png, each configuration's time to
/// first token split into its stages.
/// </summary>
internal static class BenchPlot
{
    private const int Width = 900;
    private const int Height = 560;
    private const float Left = 90, Right = 30, Top = 60, Bottom = 70;

    private static readonly (string Name, SKColor Color, Func<BenchRow, double> Ms)[] Stages =
    [
        ("decode + preprocess", new SKColor(0x9E, 0x9E, 0x9E), r => r.Preprocess.Median),
        ("encoder", new SKColor(0x1F, 0x77, 0xB4), r => r.Encoder.Median),
        ("reduction", new SKColor(0xD6, 0x27, 0x28), r => r.Reduce.Median),
        ("projector", new SKColor(0x94, 0x67, 0xBD), r => r.Projector.Median),
        ("LLM prefill", new SKColor(0xFF, 0x7F, 0x0E), r => r.Prefill.Median),
    ];

    /// <summary>The stage chart's path for <paramref name="path"/> (<c>x.png</c> -> <c>x-stages.png</c>).</summary>
    public static string StagesPath(string path) =>
        Path.Combine(Path.GetDirectoryName(path) ?? "", Path.GetFileNameWithoutExtension(path) + "-stages" + Path.GetExtension(path));

    /// <summary>Writes both charts (atomically).</summary>
    public static void Write(string path, BenchReport report, VlmGeometry geometry, string title)
    {
        Save(path, canvas => DrawScaling(canvas, report, geometry, title));
        Save(StagesPath(path), canvas => DrawStages(canvas, report, title));
    }

    private static void DrawScaling(SKCanvas canvas, BenchReport report, VlmGeometry geometry, string title)
    {
        using var fonts = new ChartFonts();
        var rows = report.Rows;
        var vanilla = rows[0];
        double vanillaFlops = CostModel.Prefill(geometry, vanilla.Workload).Total;
        double maxTokens = rows.Max(r => r.Workload.VisualTokens) * 1.05;
        double maxMs = rows.Max(r => r.Ttft.Max) * 1.1;
        var plot = SKRect.Create(Left, Top, Width - Left - Right, Height - Top - Bottom);
        Text(canvas, title, Left, 30, fonts.Title, SKColors.Black);
        Axes(canvas, fonts, plot, maxTokens, maxMs, "visual tokens given to the language model", "time to first token (ms)");
        SKPoint At(double tokens, double ms) => new(plot.Left + (float)(tokens / maxTokens * plot.Width), plot.Bottom - (float)(ms / maxMs * plot.Height));

        // The model's line: vanilla's measured time scaled by FLOPs, for the same crops and text at every token count.
        using (var line = new SKPaint { Color = new SKColor(0x2C, 0xA0, 0x2C), StrokeWidth = 2, IsAntialias = true, Style = SKPaintStyle.Stroke, PathEffect = SKPathEffect.CreateDash([8, 6], 0) })
        {
            SKPoint? previous = null;
            for (int step = 0; step <= 100; step++)
            {
                int tokens = (int)Math.Round(step / 100.0 * maxTokens);
                var workload = vanilla.Workload with { VisualTokens = tokens };
                var point = At(tokens, vanilla.Ttft.Median * CostModel.Prefill(geometry, workload).Total / vanillaFlops);
                if (previous is { } p)
                {
                    canvas.DrawLine(p, point, line);
                }

                previous = point;
            }
        }

        using var dot = new SKPaint { Color = new SKColor(0x1F, 0x77, 0xB4), IsAntialias = true };
        using var whisker = new SKPaint { Color = new SKColor(0x1F, 0x77, 0xB4), StrokeWidth = 2, IsAntialias = true };
        foreach (var row in rows)
        {
            canvas.DrawLine(At(row.Workload.VisualTokens, row.Ttft.Min), At(row.Workload.VisualTokens, row.Ttft.Max), whisker);
            var center = At(row.Workload.VisualTokens, row.Ttft.Median);
            canvas.DrawCircle(center, 5, dot);
            bool nearRight = center.X > plot.Right - 160;   // label to the left of the point, inside the plot
            Text(canvas, string.Create(CultureInfo.InvariantCulture, $"{row.Configuration.Label}: {row.Ttft.Median:F0} ms"),
                nearRight ? center.X - 8 : center.X + 8, center.Y - 8, fonts.Small, SKColors.Black, nearRight ? SKTextAlign.Right : SKTextAlign.Left);
        }

        Legend(canvas, fonts, plot, [("measured median (min-max)", new SKColor(0x1F, 0x77, 0xB4)), ("FLOP model through vanilla", new SKColor(0x2C, 0xA0, 0x2C))]);
    }

    private static void DrawStages(SKCanvas canvas, BenchReport report, string title)
    {
        using var fonts = new ChartFonts();
        var rows = report.Rows;
        double maxMs = rows.Max(r => Stages.Sum(s => s.Ms(r))) * 1.1;
        var plot = SKRect.Create(Left + 80, Top, Width - Left - 80 - Right, Height - Top - Bottom);
        Text(canvas, title + ": where the time to first token goes", Left, 30, fonts.Title, SKColors.Black);
        Axes(canvas, fonts, plot, maxMs, null, "milliseconds (medians)", null);
        float band = plot.Height / rows.Count;
        for (int i = 0; i < rows.Count; i++)
        {
            float y = plot.Top + i * band + band * 0.2f;
            float x = plot.Left;
            Text(canvas, rows[i].Configuration.Label, plot.Left - 8, y + band * 0.35f, fonts.Small, SKColors.Black, SKTextAlign.Right);
            foreach (var (_, color, ms) in Stages)
            {
                float w = (float)(ms(rows[i]) / maxMs * plot.Width);
                using var fill = new SKPaint { Color = color };
                canvas.DrawRect(SKRect.Create(x, y, w, band * 0.6f), fill);
                x += w;
            }
        }

        Legend(canvas, fonts, plot, [.. Stages.Select(s => (s.Name, s.Color))]);
    }

    private static void Axes(SKCanvas canvas, ChartFonts fonts, SKRect plot, double maxX, double? maxY, string xLabel, string? yLabel)
    {
        using var axis = new SKPaint { Color = SKColors.Black, StrokeWidth = 1.5f, IsAntialias = true };
        using var grid = new SKPaint { Color = new SKColor(0xE0, 0xE0, 0xE0), StrokeWidth = 1 };
        canvas.DrawLine(plot.Left, plot.Bottom, plot.Right, plot.Bottom, axis);
        canvas.DrawLine(plot.Left, plot.Top, plot.Left, plot.Bottom, axis);
        for (int i = 0; i <= 5; i++)
        {
            float x = plot.Left + i * plot.Width / 5;
            canvas.DrawLine(x, plot.Top, x, plot.Bottom, grid);
            Text(canvas, (maxX * i / 5).ToString("F0", CultureInfo.InvariantCulture), x, plot.Bottom + 20, fonts.Small, SKColors.Black, SKTextAlign.Center);
            if (maxY is double top)
            {
                float y = plot.Bottom - i * plot.Height / 5;
                canvas.DrawLine(plot.Left, y, plot.Right, y, grid);
                Text(canvas, (top * i / 5).ToString("F0", CultureInfo.InvariantCulture), plot.Left - 8, y + 5, fonts.Small, SKColors.Black, SKTextAlign.Right);
            }
        }

        Text(canvas, xLabel, plot.MidX, plot.Bottom + 48, fonts.Body, SKColors.Black, SKTextAlign.Center);
        if (yLabel is not null)
        {
            canvas.Save();
            canvas.RotateDegrees(-90, 22, plot.MidY);
            Text(canvas, yLabel, 22, plot.MidY, fonts.Body, SKColors.Black, SKTextAlign.Center);
            canvas.Restore();
        }
    }

    private static void Legend(SKCanvas canvas, ChartFonts fonts, SKRect plot, (string Name, SKColor Color)[] entries)
    {
        float y = plot.Top + 14;
        foreach (var (name, color) in entries)
        {
            using var fill = new SKPaint { Color = color };
            canvas.DrawRect(SKRect.Create(plot.Right - 230, y - 10, 14, 10), fill);
            Text(canvas, name, plot.Right - 210, y, fonts.Small, SKColors.Black);
            y += 18;
        }
    }

    private static void Text(SKCanvas canvas, string text, float x, float y, SKFont font, SKColor color, SKTextAlign align = SKTextAlign.Left)
    {
        using var paint = new SKPaint { Color = color, IsAntialias = true };
        canvas.DrawText(text, x, y, align, font, paint);
    }

    private static void Save(string path, Action<SKCanvas> draw)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(Width, Height, SKColorType.Rgba8888, SKAlphaType.Premul));
        using (var canvas = new SKCanvas(bitmap))
        {
            canvas.Clear(SKColors.White);
            draw(canvas);
        }

        using var png = bitmap.Encode(SKEncodedImageFormat.Png, 100) ?? throw new InvalidOperationException("SkiaSharp could not encode the PNG");
        AtomicFile.WriteAllBytes(path, "--plot", png.Span);
    }

    private sealed class ChartFonts : IDisposable
    {
        private readonly SKTypeface _regular = SKTypeface.FromFamilyName("DejaVu Sans") ?? SKTypeface.Default;

        public ChartFonts()
        {
            Title = new SKFont(_regular, 18) { Subpixel = true };
            Body = new SKFont(_regular, 14) { Subpixel = true };
            Small = new SKFont(_regular, 12) { Subpixel = true };
        }

        public SKFont Title { get; }

        public SKFont Body { get; }

        public SKFont Small { get; }

        public void Dispose()
        {
            Title.Dispose();
            Body.Dispose();
            Small.Dispose();
        }
    }
}
