using TorchSharp;
using static TorchSharp.torch;

namespace VisionZip.Cli.Visualization;

/// <summary>Turns an encoder input back into a picture.</summary>
internal static class PixelImage
{
    /// <summary>
    /// Undoes the processor's normalisation of one image, <c>x * std + mean</c>, and returns row-major RGB bytes.
    /// </summary>
    /// <param name="pixelValues">[3, H, W] (or [1, 3, H, W]) normalised pixels on any device and float dtype.</param>
    /// <param name="mean">Per-channel <c>image_mean</c>.</param>
    /// <param name="std">Per-channel <c>image_std</c>.</param>
    public static (byte[] Rgb, int Width, int Height) ToRgb(Tensor pixelValues, IReadOnlyList<double> mean, IReadOnlyList<double> std)
    {
        using var scope = NewDisposeScope();
        Tensor chw = pixelValues.dim() == 4 && pixelValues.shape[0] == 1 ? pixelValues[0] : pixelValues;
        if (chw.dim() != 3 || chw.shape[0] != 3)
        {
            throw new ArgumentException($"pixel values: expected [3, H, W], got [{string.Join(", ", pixelValues.shape)}]", nameof(pixelValues));
        }

        if (mean.Count != 3 || std.Count != 3)
        {
            throw new ArgumentException($"image_mean and image_std need 3 values, got {mean.Count} and {std.Count}");
        }

        int height = (int)chw.shape[1];
        int width = (int)chw.shape[2];
        Tensor meanT = tensor(mean.ToArray(), ScalarType.Float64).view(3, 1, 1);
        Tensor stdT = tensor(std.ToArray(), ScalarType.Float64).view(3, 1, 1);
        Tensor rgb = (chw.cpu().to(ScalarType.Float64) * stdT + meanT).mul(255).round().clamp(0, 255)
            .to(ScalarType.Byte).permute(1, 2, 0).contiguous(); // [H, W, 3]
        return (rgb.data<byte>().ToArray(), width, height);
    }
}
