namespace VisionZip.Models.Imaging;

/// <summary>
/// A bit-exact port of Pillow's 8-bit <c>Image.resize(size, resample)</c> for RGB images (Pillow 9.4,
/// libImaging/Resample.c and the NEAREST branch of <c>_resize</c>): what every slow Hugging Face image
/// processor runs, so <c>pixel_values</c> match to the last bit.
/// </summary>
/// <remarks>
/// Convolution filters: separable, horizontal pass first (only the source rows the vertical pass needs),
/// then vertical; each pass skipped when its side keeps its size. Per output pixel the filter support is
/// widened by the downscale factor (antialiasing), the double-precision weights are normalised to sum 1,
/// then turned into fixed point with <see cref="PrecisionBits"/> fractional bits (rounded half away from
/// zero); the accumulator starts at one half and the result is <c>clamp(sum &gt;&gt; PrecisionBits, 0, 255)</c>.
/// No reducing_gap (Pillow's <c>resize</c> default). Same size: a copy. Thread-safe.
/// </remarks>
public static class PillowResize
{
    /// <summary>Fractional bits of the fixed-point weights: 32 - 8 - 2 (Pillow's PRECISION_BITS).</summary>
    public const int PrecisionBits = 32 - 8 - 2;

    private const int Channels = RgbImage.Channels;

    /// <summary>Resizes to <paramref name="width"/> x <paramref name="height"/> as Pillow's <c>Image.resize</c> does.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A target side is not positive, or the filter is unknown.</exception>
    public static RgbImage Resize(RgbImage image, int width, int height, PillowResample resample = PillowResample.Bicubic)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        if (!Enum.IsDefined(resample))
        {
            throw new ArgumentOutOfRangeException(nameof(resample), resample, "expected a Pillow filter number 0..5");
        }

        if (width == image.Width && height == image.Height)
        {
            return image; // Pillow returns a copy; RgbImage is immutable.
        }

        return resample == PillowResample.Nearest
            ? ResizeNearest(image, width, height)
            : ResizeConvolution(image, width, height, resample);
    }

    private static RgbImage ResizeConvolution(RgbImage image, int width, int height, PillowResample resample)
    {
        var filter = ResampleFilters.For(resample);
        // The box is the whole image: (0, 0, Width, Height) as floats, as Pillow passes it.
        bool needHorizontal = width != image.Width;
        bool needVertical = height != image.Height;

        var horizontal = ResampleCoefficients.Compute(image.Width, 0f, image.Width, width, filter.Kernel, filter.Support);
        var vertical = ResampleCoefficients.Compute(image.Height, 0f, image.Height, height, filter.Kernel, filter.Support);

        byte[] source = image.Buffer;
        int sourceWidth = image.Width;
        int sourceHeight = image.Height;
        int[] verticalBounds = vertical.Bounds;

        if (needHorizontal)
        {
            // Only the source rows the vertical pass reads: [first, last).
            int first = vertical.Bounds[0];
            int last = vertical.Bounds[(height - 1) * 2] + vertical.Bounds[(height - 1) * 2 + 1];
            verticalBounds = (int[])vertical.Bounds.Clone();
            for (int i = 0; i < height; i++)
            {
                verticalBounds[i * 2] -= first;
            }

            source = HorizontalPass(source, sourceWidth, first, last - first, width, horizontal);
            sourceWidth = width;
            sourceHeight = last - first;
        }

        if (needVertical)
        {
            source = VerticalPass(source, sourceWidth, height, verticalBounds, vertical.KernelSize, vertical.Weights);
            sourceHeight = height;
        }

        return RgbImage.Wrap(sourceWidth, sourceHeight, source);
    }

    // ImagingResampleHorizontal_8bpc: output row y reads source row y + rowOffset.
    private static byte[] HorizontalPass(byte[] source, int sourceWidth, int rowOffset, int rows, int width, ResampleCoefficients coefficients)
    {
        var output = new byte[(long)rows * width * Channels];
        int kernelSize = coefficients.KernelSize;
        int[] bounds = coefficients.Bounds;
        int[] weights = coefficients.Weights;
        for (int y = 0; y < rows; y++)
        {
            long sourceRow = (long)(y + rowOffset) * sourceWidth * Channels;
            long outputRow = (long)y * width * Channels;
            for (int x = 0; x < width; x++)
            {
                int start = bounds[x * 2];
                int count = bounds[x * 2 + 1];
                int weightOffset = x * kernelSize;
                int red = 1 << (PrecisionBits - 1);
                int green = red;
                int blue = red;
                long pixel = sourceRow + (long)start * Channels;
                for (int k = 0; k < count; k++, pixel += Channels)
                {
                    int weight = weights[weightOffset + k];
                    red += source[pixel] * weight;
                    green += source[pixel + 1] * weight;
                    blue += source[pixel + 2] * weight;
                }

                long target = outputRow + (long)x * Channels;
                output[target] = Clip8(red);
                output[target + 1] = Clip8(green);
                output[target + 2] = Clip8(blue);
            }
        }

        return output;
    }

    // ImagingResampleVertical_8bpc: bounds are source rows of the (possibly horizontally resampled) input.
    private static byte[] VerticalPass(byte[] source, int width, int height, int[] bounds, int kernelSize, int[] weights)
    {
        var output = new byte[(long)height * width * Channels];
        long rowStride = (long)width * Channels;
        for (int y = 0; y < height; y++)
        {
            int start = bounds[y * 2];
            int count = bounds[y * 2 + 1];
            int weightOffset = y * kernelSize;
            long outputRow = y * rowStride;
            for (int x = 0; x < width; x++)
            {
                int red = 1 << (PrecisionBits - 1);
                int green = red;
                int blue = red;
                long pixel = start * rowStride + (long)x * Channels;
                for (int k = 0; k < count; k++, pixel += rowStride)
                {
                    int weight = weights[weightOffset + k];
                    red += source[pixel] * weight;
                    green += source[pixel + 1] * weight;
                    blue += source[pixel + 2] * weight;
                }

                long target = outputRow + (long)x * Channels;
                output[target] = Clip8(red);
                output[target + 1] = Clip8(green);
                output[target + 2] = Clip8(blue);
            }
        }

        return output;
    }

    // Pillow's clip8: arithmetic shift, then the lookup table that clamps to 0..255.
    private static byte Clip8(int accumulator) => (byte)Math.Clamp(accumulator >> PrecisionBits, 0, 255);

    // _resize's NEAREST branch -> ImagingScaleAffine: a[0] = box width / width, sample at floor(a[0] * (x + 0.5)),
    // accumulated in double one step at a time as Pillow does; positions outside the source stay black (fill = 1).
    private static RgbImage ResizeNearest(RgbImage image, int width, int height)
    {
        double scaleX = (double)((float)image.Width - 0f) / width;
        double scaleY = (double)((float)image.Height - 0f) / height;
        var columns = new int[width];
        double position = scaleX * 0.5;
        for (int x = 0; x < width; x++)
        {
            columns[x] = Coordinate(position, image.Width);
            position += scaleX;
        }

        byte[] source = image.Buffer;
        var output = new byte[(long)width * height * Channels];
        position = scaleY * 0.5;
        for (int y = 0; y < height; y++)
        {
            int row = Coordinate(position, image.Height);
            position += scaleY;
            if (row < 0)
            {
                continue;
            }

            long sourceRow = (long)row * image.Width * Channels;
            long outputRow = (long)y * width * Channels;
            for (int x = 0; x < width; x++)
            {
                if (columns[x] >= 0)
                {
                    Array.Copy(source, sourceRow + (long)columns[x] * Channels, output, outputRow + (long)x * Channels, Channels);
                }
            }
        }

        return RgbImage.Wrap(width, height, output);
    }

    // Pillow's COORD: -1 below zero, else truncation; -1 also marks "outside".
    private static int Coordinate(double position, int size)
    {
        int index = position < 0.0 ? -1 : (int)position;
        return index < size ? index : -1;
    }
}
