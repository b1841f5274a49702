using SkiaSharp;

namespace VisionZip.Models.Imaging;

/// <summary>
/// Applies an EXIF orientation (tag 0x0112, values 1..8 = <see cref="SKEncodedOrigin"/>) so the image is
/// upright, as Pillow's <c>ImageOps.exif_transpose</c> does.
/// </summary>
internal static class Orientation
{
    /// <summary>The upright image; <paramref name="origin"/> says where the stored first row and column belong.</summary>
    public static RgbImage Apply(RgbImage image, SKEncodedOrigin origin)
    {
        if (origin is SKEncodedOrigin.TopLeft || !Enum.IsDefined(origin))
        {
            return image;
        }

        bool swapsSides = origin is SKEncodedOrigin.LeftTop or SKEncodedOrigin.RightTop
            or SKEncodedOrigin.RightBottom or SKEncodedOrigin.LeftBottom;
        int width = swapsSides ? image.Height : image.Width;
        int height = swapsSides ? image.Width : image.Height;
        byte[] source = image.Buffer;
        var output = new byte[source.LongLength];
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                // (x, y) in the upright image -> (column, row) in the stored image.
                (int column, int row) = origin switch
                {
                    SKEncodedOrigin.TopRight => (image.Width - 1 - x, y),                 // mirrored horizontally
                    SKEncodedOrigin.BottomRight => (image.Width - 1 - x, image.Height - 1 - y), // rotated 180
                    SKEncodedOrigin.BottomLeft => (x, image.Height - 1 - y),              // mirrored vertically
                    SKEncodedOrigin.LeftTop => (y, x),                                    // transposed
                    SKEncodedOrigin.RightTop => (y, width - 1 - x),                       // stored rotated 90 CCW
                    SKEncodedOrigin.RightBottom => (height - 1 - y, width - 1 - x),       // transversed
                    SKEncodedOrigin.LeftBottom => (height - 1 - y, x),                    // stored rotated 90 CW
                    _ => (x, y),
                };
                long from = ((long)row * image.Width + column) * RgbImage.Channels;
                long to = ((long)y * width + x) * RgbImage.Channels;
                output[to] = source[from];
                output[to + 1] = source[from + 1];
                output[to + 2] = source[from + 2];
            }
        }

        return RgbImage.Wrap(width, height, output);
    }
}
