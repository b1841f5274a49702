using SkiaSharp;
using TorchSharp;
using VisionZip.Cli.Visualization;
using VisionZip.Models.IO;
using VisionZip.Tests.Support;
using static TorchSharp.torch;

namespace VisionZip.Tests.Cli;

/// <summary>The renderer on golden VisionZip results (no model code involved).</summary>
public sealed class ZipVisualizerTests
{
    private static readonly double[] ClipMean = [0.48145466, 0.4578275, 0.40821073];
    private static readonly double[] ClipStd = [0.26862954, 0.26130258, 0.27577711];

    internal static ZipVisualization FromGolden(string folder, int row, string zipCase, bool hasCls, double[] mean, double[] std, int patch = 14)
    {
        using var scope = NewDisposeScope();
        using var golden = SafetensorsFile.Open(Fixtures.Path(folder, "golden.safetensors"));
        Tensor pixels = golden.Read("pixel_values")[row];
        (byte[] rgb, int width, int height) = PixelImage.ToRgb(pixels, mean, std);
        long[] kept = golden.Read($"zip.{zipCase}.kept")[row].data<long>().ToArray();
        long[] assignment = golden.Read($"zip.{zipCase}.assignment")[row].data<long>().ToArray();
        long[] targets = golden.Read($"zip.{zipCase}.targets")[row].data<long>().ToArray();
        float[] patchScores = golden.Read("layer_m2.scores")[row].data<float>().ToArray();
        float[] scores = hasCls ? [float.NaN, .. patchScores] : patchScores;
        return new ZipVisualization(rgb, width, height, PatchGrid.Square(width, patch, hasCls), kept, assignment, scores,
            hasCls ? "CLS attention, layer -2" : "mean received attention, layer -2", $"{folder} golden, row {row}, {zipCase}", targets);
    }

    [Fact]
    public void PixelImage_RoundTripsTheProcessorNormalisation()
    {
        using var scope = NewDisposeScope();
        using var golden = SafetensorsFile.Open(Fixtures.Path("siglip-tiny-patch14-384", "golden.safetensors"));
        (byte[] rgb, int width, int height) = PixelImage.ToRgb(golden.Read("pixel_values")[0], [0.5, 0.5, 0.5], [0.5, 0.5, 0.5]);
        Tensor expected = golden.Read("preprocess.0.resized_uint8"); // [384, 384, 3]
        Assert.Equal((384, 384), (width, height));
        TensorAssert.Equal(expected, tensor(rgb).view(384, 384, 3), "denormalised pixels");
    }

    [Fact]
    public void Render_ClipGolden_IsAReadablePngWithOutlinesTintsAndHeatMap()
    {
        ZipVisualization v = FromGolden("clip-vit-tiny-patch14-336", 1, "54_10", hasCls: true, ClipMean, ClipStd);
        byte[] png = ZipVisualizer.RenderPng(v);
        SavePreview("clip-golden.png", png);

        using SKBitmap decoded = SKBitmap.Decode(png);
        Assert.NotNull(decoded);
        Assert.Equal(ZipVisualizer.Render(v).Width, decoded.Width);
        Assert.True(decoded.Width >= 2 * 336 * 2 && decoded.Height >= 336 * 2, $"{decoded.Width}x{decoded.Height}");
        Assert.True(CountNear(decoded, Palette.Dominant) > 500, "dominant outline colour missing");
        Assert.True(CountNear(decoded, Palette.Heat(1.0)) > 0, "heat map maximum colour missing");
    }

    [Fact]
    public void Render_SiglipGolden_NoCls_DominantOnly()
    {
        ZipVisualization v = FromGolden("siglip-tiny-patch14-384", 0, "64_0", hasCls: false, [0.5, 0.5, 0.5], [0.5, 0.5, 0.5]);
        using SKBitmap bitmap = ZipVisualizer.Render(v);
        SavePreview("siglip-golden.png", ZipVisualizer.RenderPng(v));
        Assert.Equal(27, v.Grid.Rows);
        Assert.Equal(0, v.ContextualGroups);
        Assert.True(CountNear(bitmap, Palette.Dominant) > 500);
    }

    [Fact]
    public void Validate_NamesTheMismatch()
    {
        ZipVisualization v = FromGolden("clip-vit-tiny-patch14-336", 0, "54_10", hasCls: true, ClipMean, ClipStd);
        var bad = v with { Assignment = v.Assignment.Take(10).ToArray() };
        var error = Assert.Throws<ArgumentException>(() => ZipVisualizer.RenderPng(bad));
        Assert.Contains("assignment", error.Message);
    }

    /// <summary>Writes the picture for a person to look at when VISIONZIP_PREVIEW_DIR is set.</summary>
    internal static void SavePreview(string name, byte[] png)
    {
        if (Environment.GetEnvironmentVariable("VISIONZIP_PREVIEW_DIR") is { Length: > 0 } directory)
        {
            File.WriteAllBytes(Path.Combine(directory, name), png);
        }
    }

    private static int CountNear(SKBitmap bitmap, SKColor color)
    {
        int count = 0;
        for (int y = 0; y < bitmap.Height; y += 1)
        {
            for (int x = 0; x < bitmap.Width; x += 1)
            {
                SKColor c = bitmap.GetPixel(x, y);
                if (Math.Abs(c.Red - color.Red) + Math.Abs(c.Green - color.Green) + Math.Abs(c.Blue - color.Blue) < 12)
                {
                    count++;
                }
            }
        }

        return count;
    }
}
