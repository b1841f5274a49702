using TorchSharp;
using VisionZip.Models.Imaging;

namespace VisionZip.Tests.Imaging;

public class RgbImageTests
{
    [Fact]
    public void Tensor_round_trip_keeps_layout_and_bytes()
    {
        using var scope = torch.NewDisposeScope();
        byte[] pixels = [.. Enumerable.Range(0, 2 * 3 * 3).Select(v => (byte)(v * 7))];
        var image = new RgbImage(3, 2, pixels);
        var hwc = image.ToTensor();
        Assert.Equal([2L, 3, 3], hwc.shape);
        Assert.Equal(torch.ScalarType.Byte, hwc.dtype);
        Assert.Equal(pixels[(1 * 3 + 2) * 3 + 1], hwc[1, 2, 1].item<byte>());

        var back = RgbImage.FromTensor(hwc);
        Assert.Equal((3, 2), (back.Width, back.Height));
        Assert.Equal(pixels, back.Pixels.ToArray());
        Assert.Equal(((byte)pixels[9], (byte)pixels[10], (byte)pixels[11]), image.GetPixel(0, 1));
    }

    [Fact]
    public void The_constructor_copies_and_checks_the_length()
    {
        byte[] pixels = [1, 2, 3];
        var image = new RgbImage(1, 1, pixels);
        pixels[0] = 99;
        Assert.Equal(1, image.Pixels[0]);

        var error = Assert.Throws<ArgumentException>(() => new RgbImage(2, 2, pixels));
        Assert.Contains("12", error.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new RgbImage(0, 1, []));
    }

    [Fact]
    public void From_tensor_rejects_other_layouts()
    {
        using var scope = torch.NewDisposeScope();
        var error = Assert.Throws<ArgumentException>(() => RgbImage.FromTensor(torch.zeros(3, 4, 4)));
        Assert.Contains("[3, 4, 4]", error.Message);
    }
}
