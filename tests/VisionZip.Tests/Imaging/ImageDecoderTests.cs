using SkiaSharp;
using VisionZip.Models.Errors;
using VisionZip.Models.Imaging;
using VisionZip.Tests.Support;

namespace VisionZip.Tests.Imaging;

public sealed class ImageDecoderTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("vz-imaging-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Fixture_photo_decodes_to_its_size()
    {
        var image = ImageDecoder.Load(Fixtures.Path("images", "coffee.png"));
        Assert.Equal((600, 400), (image.Width, image.Height));
        Assert.Equal(600 * 400 * 3, image.Pixels.Length);
    }

    [Fact]
    public void Missing_file_names_the_file()
    {
        string path = Path.Combine(_directory, "nothing-here.png");
        var error = Assert.Throws<FileNotFoundException>(() => ImageDecoder.Load(path));
        Assert.Contains("nothing-here.png", error.Message);
    }

    [Fact]
    public void Empty_file_names_the_file()
    {
        string path = Write("empty.png", []);
        var error = Assert.Throws<ImageException>(() => ImageDecoder.Load(path));
        Assert.Contains("empty.png", error.Message);
        Assert.Contains("0 bytes", error.Message);
    }

    [Fact]
    public void Text_file_is_not_an_image()
    {
        string path = Write("notes.jpg", "this is not an image, only text"u8.ToArray());
        var error = Assert.Throws<ImageException>(() => ImageDecoder.Load(path));
        Assert.Contains("notes.jpg", error.Message);
        Assert.Contains("not a decodable image", error.Message);
        Assert.Contains("unrecognised format", error.Message);
    }

    [Fact]
    public void Truncated_png_names_the_file()
    {
        byte[] png = File.ReadAllBytes(Fixtures.Path("images", "coffee.png"));
        string path = Write("cut.png", png[..(png.Length / 2)]);
        var error = Assert.Throws<ImageException>(() => ImageDecoder.Load(path));
        Assert.Contains("cut.png", error.Message);
        Assert.Contains("truncated", error.Message);

        string header = Write("header-only.png", png[..30]);
        var headerError = Assert.Throws<ImageException>(() => ImageDecoder.Load(header));
        Assert.Contains("header-only.png", headerError.Message);
        Assert.Contains("PNG header is truncated", headerError.Message);
    }

    [Fact]
    public void Zero_width_png_is_rejected()
    {
        string path = Write("zero.png", TestImages.Png(0, 1, 2, []));
        var error = Assert.Throws<ImageException>(() => ImageDecoder.Load(path));
        Assert.Contains("zero.png", error.Message);
    }

    [Fact]
    public void Pixel_limit_names_the_file_and_the_numbers()
    {
        var options = new ImageLoadOptions { MaxPixels = 1000 };
        var error = Assert.Throws<ResourceLimitException>(() => ImageDecoder.Load(Fixtures.Path("images", "coffee.png"), options));
        Assert.Contains("coffee.png", error.Message);
        Assert.Contains("240000", error.Message);
        Assert.Contains("1000", error.Message);
        Assert.Equal(178_956_970, ImageLoadOptions.Default.MaxPixels);
    }

    [Fact]
    public void Png_alpha_is_dropped_not_composited()
    {
        // RGBA: a transparent pixel, a half-transparent one, an opaque one, and a transparent white.
        byte[] rgba = [10, 20, 30, 0, 200, 100, 50, 128, 1, 2, 3, 255, 255, 255, 255, 0];
        var image = ImageDecoder.Decode(TestImages.Png(4, 1, 6, rgba), "rgba.png");
        Assert.Equal([10, 20, 30, 200, 100, 50, 1, 2, 3, 255, 255, 255], image.Pixels.ToArray());
    }

    [Fact]
    public void Grey_and_grey_alpha_png_replicate_the_level()
    {
        var grey = ImageDecoder.Decode(TestImages.Png(3, 1, 0, [0, 77, 255]), "grey.png");
        Assert.Equal([0, 0, 0, 77, 77, 77, 255, 255, 255], grey.Pixels.ToArray());

        var greyAlpha = ImageDecoder.Decode(TestImages.Png(2, 1, 4, [90, 0, 180, 128]), "grey-alpha.png");
        Assert.Equal([90, 90, 90, 180, 180, 180], greyAlpha.Pixels.ToArray());
    }

    [Fact]
    public void Palette_png_looks_up_colours_and_ignores_transparency()
    {
        byte[] palette = [255, 0, 0, 0, 255, 0, 0, 0, 255, 12, 34, 56];
        byte[] transparency = [255, 255, 255, 0]; // entry 3 fully transparent: PIL convert("RGB") keeps its colour
        var image = ImageDecoder.Decode(TestImages.Png(4, 1, 3, [3, 2, 1, 0], palette, transparency), "palette.png");
        Assert.Equal([12, 34, 56, 0, 0, 255, 0, 255, 0, 255, 0, 0], image.Pixels.ToArray());
    }

    [Fact]
    public void Bmp_decodes_exactly()
    {
        byte[] rgb = [255, 0, 0, 0, 255, 0, 0, 0, 255, 9, 99, 199, 50, 60, 70, 1, 2, 3];
        var image = ImageDecoder.Decode(TestImages.Bmp(3, 2, rgb), "small.bmp");
        Assert.Equal((3, 2), (image.Width, image.Height));
        Assert.Equal(rgb, image.Pixels.ToArray());
    }

    [Fact]
    public void Gif_first_frame_decodes_exactly()
    {
        byte[] palette = [255, 0, 0, 0, 255, 0, 0, 0, 255, 250, 240, 230];
        var image = ImageDecoder.Decode(TestImages.Gif2x2(palette), "small.gif");
        Assert.Equal((2, 2), (image.Width, image.Height));
        Assert.Equal(palette, image.Pixels.ToArray());
    }

    [Fact]
    public void Lossless_webp_decodes_exactly()
    {
        byte[] rgba = TestImages.Halves(8, 4, new SKColor(250, 10, 20), new SKColor(5, 100, 240));
        string path = Write("halves.webp", TestImages.Encode(8, 4, rgba, SKEncodedImageFormat.Webp));
        var image = ImageDecoder.Load(path);
        Assert.Equal((8, 4), (image.Width, image.Height));
        Assert.Equal((250, 10, 20), Colour(image, 0, 0));
        Assert.Equal((5, 100, 240), Colour(image, 7, 3));
    }

    [Fact]
    public void Jpeg_decodes_to_approximately_the_colours()
    {
        byte[] rgba = TestImages.Halves(32, 16, new SKColor(220, 30, 30), new SKColor(30, 30, 220));
        string path = Write("halves.jpg", TestImages.Encode(32, 16, rgba, SKEncodedImageFormat.Jpeg));
        var image = ImageDecoder.Load(path);
        Assert.Equal((32, 16), (image.Width, image.Height));
        AssertNear((220, 30, 30), Colour(image, 4, 8));
        AssertNear((30, 30, 220), Colour(image, 27, 8));
    }

    [Fact]
    public void Jpeg_exif_orientation_is_applied()
    {
        // Stored 32x16: red left half, blue right half. Orientation 6 (RightTop) = rotate 90 degrees clockwise to view:
        // the upright image is 16x32 with red on top.
        byte[] rgba = TestImages.Halves(32, 16, new SKColor(220, 30, 30), new SKColor(30, 30, 220));
        byte[] jpeg = TestImages.WithExifOrientation(TestImages.Encode(32, 16, rgba, SKEncodedImageFormat.Jpeg), 6);
        string path = Write("rotated.jpg", jpeg);

        var upright = ImageDecoder.Load(path);
        Assert.Equal((16, 32), (upright.Width, upright.Height));
        AssertNear((220, 30, 30), Colour(upright, 8, 4));
        AssertNear((30, 30, 220), Colour(upright, 8, 27));

        var stored = ImageDecoder.Load(path, new ImageLoadOptions { ApplyExifOrientation = false });
        Assert.Equal((32, 16), (stored.Width, stored.Height));
    }

    [Theory]
    // Stored 3x2 "abc/def" (pixel values 0..5); the expected upright layouts per EXIF orientation (PIL exif_transpose).
    [InlineData(SKEncodedOrigin.TopLeft, 3, new byte[] { 0, 1, 2, 3, 4, 5 })]
    [InlineData(SKEncodedOrigin.TopRight, 3, new byte[] { 2, 1, 0, 5, 4, 3 })]
    [InlineData(SKEncodedOrigin.BottomRight, 3, new byte[] { 5, 4, 3, 2, 1, 0 })]
    [InlineData(SKEncodedOrigin.BottomLeft, 3, new byte[] { 3, 4, 5, 0, 1, 2 })]
    [InlineData(SKEncodedOrigin.LeftTop, 2, new byte[] { 0, 3, 1, 4, 2, 5 })]
    [InlineData(SKEncodedOrigin.RightTop, 2, new byte[] { 3, 0, 4, 1, 5, 2 })]
    [InlineData(SKEncodedOrigin.RightBottom, 2, new byte[] { 5, 2, 4, 1, 3, 0 })]
    [InlineData(SKEncodedOrigin.LeftBottom, 2, new byte[] { 2, 5, 1, 4, 0, 3 })]
    public void Every_orientation_maps_pixels_like_exif_transpose(SKEncodedOrigin origin, int width, byte[] expected)
    {
        var stored = RgbImage.Wrap(3, 2, [.. Enumerable.Range(0, 6).SelectMany(v => new[] { (byte)v, (byte)v, (byte)v })]);
        var upright = Orientation.Apply(stored, origin);
        Assert.Equal(width, upright.Width);
        Assert.Equal(expected, upright.Pixels.ToArray().Where((_, i) => i % 3 == 0).ToArray());
    }

    private string Write(string name, byte[] bytes)
    {
        string path = Path.Combine(_directory, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static (int, int, int) Colour(RgbImage image, int x, int y)
    {
        var (red, green, blue) = image.GetPixel(x, y);
        return (red, green, blue);
    }

    private static void AssertNear((int R, int G, int B) expected, (int R, int G, int B) actual, int tolerance = 12) =>
        Assert.True(Math.Abs(expected.R - actual.R) <= tolerance && Math.Abs(expected.G - actual.G) <= tolerance
            && Math.Abs(expected.B - actual.B) <= tolerance, $"colour {actual}, expected about {expected}");
}
