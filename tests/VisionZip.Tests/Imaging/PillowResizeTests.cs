using VisionZip.Models.Imaging;

namespace VisionZip.Tests.Imaging;

/// <summary>Hand-checked cases of the Pillow port; the fixture parity tests cover BICUBIC on real photos.</summary>
public class PillowResizeTests
{
    [Fact]
    public void Bilinear_upscale_matches_the_hand_computed_fixed_point_result()
    {
        // [0, 255] -> 4 wide. Centres 0.25, 0.75, 1.25, 1.75; windows clipped at the edges:
        // x0 = 0; x1 = 0.25 * 255 + 1/2 rounded down = 64; x2 = 191; x3 = 255.
        var image = Grey(2, 1, 0, 255);
        Assert.Equal(new byte[] { 0, 64, 191, 255 }, Levels(PillowResize.Resize(image, 4, 1, PillowResample.Bilinear)));
    }

    [Fact]
    public void Nearest_samples_the_pixel_under_each_centre()
    {
        var image = Grey(4, 1, 10, 20, 30, 40);
        Assert.Equal(new byte[] { 20, 40 }, Levels(PillowResize.Resize(image, 2, 1, PillowResample.Nearest)));
        Assert.Equal(new byte[] { 10, 10, 20, 20, 30, 30, 40, 40 }, Levels(PillowResize.Resize(image, 8, 1, PillowResample.Nearest)));
    }

    [Fact]
    public void Bicubic_overshoot_is_clipped_to_the_byte_range()
    {
        // A hard edge upscaled with a = -0.5 rings below 0 and above 255 before clip8.
        var resized = Levels(PillowResize.Resize(Grey(4, 1, 0, 0, 255, 255), 16, 1, PillowResample.Bicubic));
        Assert.Equal(0, resized[0]);
        Assert.Equal(255, resized[^1]);
        Assert.Contains(resized, level => level is > 0 and < 255);
    }

    [Theory]
    [InlineData(PillowResample.Nearest)]
    [InlineData(PillowResample.Lanczos)]
    [InlineData(PillowResample.Bilinear)]
    [InlineData(PillowResample.Bicubic)]
    [InlineData(PillowResample.Box)]
    [InlineData(PillowResample.Hamming)]
    public void A_flat_image_stays_flat_in_both_directions(PillowResample filter)
    {
        var flat = RgbImage.Filled(37, 23, 200, 17, 255);
        foreach (var (width, height) in new[] { (11, 7), (90, 50), (37, 5), (4, 23) })
        {
            var resized = PillowResize.Resize(flat, width, height, filter);
            Assert.Equal((width, height), (resized.Width, resized.Height));
            for (int i = 0; i < resized.Pixels.Length; i += 3)
            {
                Assert.Equal((200, 17, 255), (resized.Pixels[i], resized.Pixels[i + 1], resized.Pixels[i + 2]));
            }
        }
    }

    [Fact]
    public void Same_size_is_unchanged_and_bad_sizes_throw()
    {
        var image = Grey(2, 1, 3, 4);
        Assert.Same(image, PillowResize.Resize(image, 2, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => PillowResize.Resize(image, 0, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => PillowResize.Resize(image, 2, 1, (PillowResample)9));
    }

    private static RgbImage Grey(int width, int height, params byte[] levels) =>
        new(width, height, levels.SelectMany(level => new[] { level, level, level }).ToArray());

    private static byte[] Levels(RgbImage image) => image.Pixels.ToArray().Where((_, i) => i % 3 == 0).ToArray();
}
