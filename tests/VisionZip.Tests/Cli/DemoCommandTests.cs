using SkiaSharp;
using VisionZip.Cli.Visualization;
using VisionZip.Tests.Support;

namespace VisionZip.Tests.Cli;

/// <summary><c>demo</c> on the bundled checkpoint (linked from tests/fixtures into the output's assets/).</summary>
public sealed class DemoCommandTests
{
    [Fact]
    public void BundledModel_ShowsTokenCountsPrefillAndWritesThePicture()
    {
        Assert.True(File.Exists(Path.Combine(AppContext.BaseDirectory, "assets", "demo-model", "config.json")), "bundled demo model missing");
        using var temp = new TempDirectory();
        string output = temp.File("demo.png");
        File.WriteAllText(output, "old picture");

        CliResult result = CliRunner.Run("demo", "--out", output, "--max-new-tokens", "4");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Matches(@"visual tokens\s+.\s+576\s+.\s+64", result.Output);
        Assert.Matches(@"LLM prompt tokens\s+.\s+593\s+.\s+81", result.Output);
        Assert.Contains("prefill (median of", result.Output);
        Assert.Contains("faster", result.Output);
        Assert.Contains("RANDOM weights", result.Output);
        Assert.Contains("--model", result.Output);
        using SKBitmap png = SKBitmap.Decode(output);
        Assert.NotNull(png);
        Assert.Equal(ZipVisualizer.CanvasSize(336, 336), (png.Width, png.Height));
        Assert.Equal(["demo.png"], temp.Entries());
    }

    [Fact]
    public void MissingImage_WritesNothing()
    {
        using var temp = new TempDirectory();
        CliResult result = CliRunner.Run("demo", "--out", temp.File("demo.png"), "--image", temp.File("none.png"));
        CliRunner.AssertOneLineError(result, "--image", "none.png");
        Assert.Empty(temp.Entries());
    }
}
