namespace VisionZip.Models.Imaging;

/// <summary>
/// The geometric uint8 steps of the Hugging Face processors and of the original LLaVA code:
/// crop, pad, center crop (transformers rounding), expand-to-square, tiling.
/// </summary>
/// <remarks>Pure functions on immutable images; thread-safe.</remarks>
public static class ImageOps
{
    private const int Channels = RgbImage.Channels;

    /// <summary>The <paramref name="width"/> x <paramref name="height"/> region whose top-left pixel is (<paramref name="left"/>, <paramref name="top"/>).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The region is empty or leaves the image.</exception>
    public static RgbImage Crop(RgbImage image, int left, int top, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (width < 1 || height < 1 || left < 0 || top < 0 || (long)left + width > image.Width || (long)top + height > image.Height)
        {
            throw new ArgumentOutOfRangeException(nameof(image),
                $"crop (left {left}, top {top}, {width}x{height}) does not fit in a {image.Width}x{image.Height} image");
        }

        if (left == 0 && top == 0 && width == image.Width && height == image.Height)
        {
            return image;
        }

        var output = new byte[(long)width * height * Channels];
        byte[] source = image.Buffer;
        int rowBytes = width * Channels;
        for (int y = 0; y < height; y++)
        {
            long from = ((long)(top + y) * image.Width + left) * Channels;
            Array.Copy(source, from, output, (long)y * rowBytes, rowBytes);
        }

        return RgbImage.Wrap(width, height, output);
    }

    /// <summary>
    /// Places the image on a <paramref name="width"/> x <paramref name="height"/> canvas of one colour with its
    /// top-left pixel at (<paramref name="left"/>, <paramref name="top"/>); parts outside the canvas are cut off
    /// (Pillow's <c>paste</c> onto <c>Image.new</c>).
    /// </summary>
    public static RgbImage Pad(RgbImage image, int width, int height, int left, int top, (byte Red, byte Green, byte Blue) fill)
    {
        ArgumentNullException.ThrowIfNull(image);
        var canvas = RgbImage.Filled(width, height, fill.Red, fill.Green, fill.Blue);
        byte[] output = canvas.Buffer;
        byte[] source = image.Buffer;
        int firstX = Math.Max(0, left);
        int endX = (int)Math.Min(width, (long)left + image.Width);
        if (endX <= firstX)
        {
            return canvas;
        }

        int rowBytes = (endX - firstX) * Channels;
        for (int y = Math.Max(0, top); y < Math.Min(height, (long)top + image.Height); y++)
        {
            long from = ((long)(y - top) * image.Width + (firstX - left)) * Channels;
            long to = ((long)y * width + firstX) * Channels;
            Array.Copy(source, from, output, to, rowBytes);
        }

        return canvas;
    }

    /// <summary>
    /// transformers <c>center_crop</c>: <c>top = (H - h) // 2</c>, <c>left = (W - w) // 2</c> (floor division);
    /// a side smaller than the crop is first zero-padded, centred with <c>ceil(diff / 2)</c> before it.
    /// </summary>
    public static RgbImage CenterCrop(RgbImage image, int height, int width)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        int top = FloorDivide(image.Height - height, 2);
        int left = FloorDivide(image.Width - width, 2);
        if (top >= 0 && left >= 0)
        {
            return Crop(image, left, top, width, height);
        }

        // The image is smaller than the crop on some side: pad with zeros to at least the crop size.
        int paddedHeight = Math.Max(height, image.Height);
        int paddedWidth = Math.Max(width, image.Width);
        int padTop = (paddedHeight - image.Height + 1) / 2;
        int padLeft = (paddedWidth - image.Width + 1) / 2;
        var padded = Pad(image, paddedWidth, paddedHeight, padLeft, padTop, (0, 0, 0));
        int cropTop = Math.Max(0, top + padTop);
        int cropLeft = Math.Max(0, left + padLeft);
        int cropBottom = Math.Min(paddedHeight, top + padTop + height);
        int cropRight = Math.Min(paddedWidth, left + padLeft + width);
        return Crop(padded, cropLeft, cropTop, cropRight - cropLeft, cropBottom - cropTop);
    }

    /// <summary>
    /// The original LLaVA <c>expand2square</c>: a square canvas of the longer side filled with
    /// <paramref name="fill"/>, the image pasted at offset <c>(long - short) // 2</c> along the shorter side.
    /// A square image is returned as it is.
    /// </summary>
    public static RgbImage ExpandToSquare(RgbImage image, (byte Red, byte Green, byte Blue) fill)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (image.Width == image.Height)
        {
            return image;
        }

        int side = Math.Max(image.Width, image.Height);
        return image.Width > image.Height
            ? Pad(image, side, side, 0, (side - image.Height) / 2, fill)
            : Pad(image, side, side, (side - image.Width) / 2, 0, fill);
    }

    /// <summary>
    /// The fill colour LLaVA uses for 'pad': <c>tuple(int(m * 255) for m in image_mean)</c> (truncation).
    /// </summary>
    /// <exception cref="ArgumentException">The mean does not have three entries in [0, 1].</exception>
    public static (byte Red, byte Green, byte Blue) MeanColour(IReadOnlyList<double> imageMean)
    {
        ArgumentNullException.ThrowIfNull(imageMean);
        if (imageMean.Count != Channels || imageMean.Any(m => !(m >= 0 && m <= 1)))
        {
            throw new ArgumentException($"{nameof(imageMean)}: expected 3 values in [0, 1], got [{string.Join(", ", imageMean)}]", nameof(imageMean));
        }

        return ((byte)(int)(imageMean[0] * 255), (byte)(int)(imageMean[1] * 255), (byte)(int)(imageMean[2] * 255));
    }

    /// <summary>
    /// transformers <c>divide_to_patches</c>: <paramref name="tileHeight"/> x <paramref name="tileWidth"/> tiles, row-major;
    /// tiles at the right/bottom edge are smaller when the size is not a multiple.
    /// </summary>
    public static IReadOnlyList<RgbImage> Tiles(RgbImage image, int tileHeight, int tileWidth)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentOutOfRangeException.ThrowIfLessThan(tileHeight, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(tileWidth, 1);
        var tiles = new List<RgbImage>();
        for (int top = 0; top < image.Height; top += tileHeight)
        {
            for (int left = 0; left < image.Width; left += tileWidth)
            {
                tiles.Add(Crop(image, left, top, Math.Min(tileWidth, image.Width - left), Math.Min(tileHeight, image.Height - top)));
            }
        }

        return tiles;
    }

    private static int FloorDivide(int value, int divisor) => (int)Math.Floor(value / (double)divisor);
}
