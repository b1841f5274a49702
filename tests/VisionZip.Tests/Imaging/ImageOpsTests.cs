using VisionZip.Models.Imaging;

namespace VisionZip.Tests.Imaging;

public class ImageOpsTests
{
    [Fact]
    public void Center_crop_uses_floor_division()
    {
        var image = Numbered(5, 4);
        var crop = ImageOps.CenterCrop(image, 2, 2); // top = (4 - 2) // 2 = 1, left = (5 - 2) // 2 = 1
        Assert.Equal(new byte[] { 6, 7, 11, 12 }, Levels(crop));
    }

    [Fact]
    public void Center_crop_larger_than_the_image_pads_with_zeros_ceil_before()
    {
        var image = Numbered(3, 1, start: 1); // 1 2 3
        var crop = ImageOps.CenterCrop(image, 2, 4);
        // width: pad ceil((4 - 3) / 2) = 1 before; height: pad 1 before -> the row sits at y = 1.
        Assert.Equal(new byte[] { 0, 0, 0, 0, 0, 1, 2, 3 }, Levels(crop));
    }

    [Fact]
    public void Expand_to_square_pastes_at_half_the_difference_rounded_down()
    {
        var wide = RgbImage.Filled(5, 2, 9, 9, 9);
        var square = ImageOps.ExpandToSquare(wide, (1, 2, 3));
        Assert.Equal((5, 5), (square.Width, square.Height));
        Assert.Equal(((byte)1, (byte)2, (byte)3), square.GetPixel(0, 0));
        Assert.Equal(((byte)9, (byte)9, (byte)9), square.GetPixel(0, 1)); // offset (5 - 2) // 2 = 1
        Assert.Equal(((byte)9, (byte)9, (byte)9), square.GetPixel(4, 2));
        Assert.Equal(((byte)1, (byte)2, (byte)3), square.GetPixel(4, 3));

        var tall = RgbImage.Filled(1, 4, 9, 9, 9);
        var tallSquare = ImageOps.ExpandToSquare(tall, (0, 0, 0));
        Assert.Equal(((byte)9, (byte)9, (byte)9), tallSquare.GetPixel(1, 3)); // offset (4 - 1) // 2 = 1
        Assert.Equal(((byte)0, (byte)0, (byte)0), tallSquare.GetPixel(0, 3));
    }

    [Fact]
    public void Mean_colour_truncates_like_python_int()
    {
        Assert.Equal(((byte)122, (byte)116, (byte)104), ImageOps.MeanColour(ImageProcessorConfig.OpenAiClipMean));
        Assert.Equal(((byte)127, (byte)127, (byte)127), ImageOps.MeanColour(ImageProcessorConfig.ImageNetStandardHalf));
    }

    [Fact]
    public void Tiles_are_row_major()
    {
        var tiles = ImageOps.Tiles(Numbered(4, 2), 2, 2);
        Assert.Equal(2, tiles.Count);
        Assert.Equal(new byte[] { 0, 1, 4, 5 }, Levels(tiles[0]));
        Assert.Equal(new byte[] { 2, 3, 6, 7 }, Levels(tiles[1]));
    }

    [Fact]
    public void Crop_outside_the_image_throws()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => ImageOps.Crop(Numbered(4, 2), 3, 0, 2, 2));
        Assert.Contains("4x2", error.Message);
    }

    private static RgbImage Numbered(int width, int height, int start = 0) =>
        new(width, height, Enumerable.Range(start, width * height).SelectMany(v => new[] { (byte)v, (byte)v, (byte)v }).ToArray());

    private static byte[] Levels(RgbImage image) => image.Pixels.ToArray().Where((_, i) => i % 3 == 0).ToArray();
}
