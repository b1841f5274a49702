using SkiaSharp;
using VisionZip.Cli.Visualization;
using VisionZip.Tests.Support;

namespace VisionZip.Tests.Cli;

/// <summary><c>visualize</c> writes a PNG of the expected size; errors write nothing.</summary>
public sealed class VisualizeCommandTests
{
    [Theory]
    [InlineData("clip-vit-tiny-patch14-336", 336)]
    [InlineData("siglip-tiny-patch14-384", 384)]
    public void WritesADecodablePng(string folder, int size)
    {
        using var temp = new TempDirectory();
        string output = temp.File("zip.png");

        CliResult result = CliRunner.Run("visualize", "--model", Fixtures.Path(folder), "--image", Fixtures.Path("images", "astronaut.png"),
            "--out", output, "--dominant", "54", "--contextual", "10");

        Assert.True(result.ExitCode == 0, result.ToString());
        using SKBitmap png = SKBitmap.Decode(output);
        Assert.NotNull(png);
        Assert.Equal(ZipVisualizer.CanvasSize(size, size), (png.Width, png.Height));
        Assert.Equal(["zip.png"], temp.Entries());
        ZipVisualizerTests.SavePreview($"visualize-{folder}.png", File.ReadAllBytes(output));
    }

    [Fact]
    public void CanvasSize_ForLlava15Geometry()
    {
        Assert.Equal((1440, 946), ZipVisualizer.CanvasSize(336, 336));
    }

    [Fact]
    public void NotAnImage_LeavesExistingPngUntouched()
    {
        using var temp = new TempDirectory();
        string output = temp.File("zip.png");
        File.WriteAllText(output, "precious");
        string image = temp.File("notes.txt");
        File.WriteAllText(image, "not an image");

        CliResult result = CliRunner.Run("visualize", "--model", Fixtures.Path("clip-vit-tiny-patch14-336"), "--image", image, "--out", output);

        CliRunner.AssertOneLineError(result, "--image", image);
        Assert.Equal("precious", File.ReadAllText(output));
        Assert.Equal(["notes.txt", "zip.png"], temp.Entries().Order());
    }
}
