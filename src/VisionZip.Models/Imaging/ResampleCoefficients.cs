namespace VisionZip.Models.Imaging;

/// <summary>
/// Per output pixel of one axis: the first source pixel, how many source pixels, and their fixed-point
/// weights (Pillow's <c>precompute_coeffs</c> followed by <c>normalize_coeffs_8bpc</c>).
/// </summary>
internal sealed class ResampleCoefficients
{
    private ResampleCoefficients(int kernelSize, int[] bounds, int[] weights)
    {
        KernelSize = kernelSize;
        Bounds = bounds;
        Weights = weights;
    }

    /// <summary>Stride of <see cref="Weights"/> per output pixel: <c>ceil(support) * 2 + 1</c>.</summary>
    public int KernelSize { get; }

    /// <summary><c>[outSize * 2]</c>: (first source index, count) per output pixel.</summary>
    public int[] Bounds { get; }

    /// <summary><c>[outSize * KernelSize]</c>: weights in fixed point with <see cref="PillowResize.PrecisionBits"/> fractional bits.</summary>
    public int[] Weights { get; }

    /// <summary>
    /// Coefficients for resampling the source span [<paramref name="in0"/>, <paramref name="in1"/>) of an axis of
    /// <paramref name="inSize"/> pixels onto <paramref name="outSize"/> pixels. The span ends are floats, as in Pillow.
    /// </summary>
    public static ResampleCoefficients Compute(int inSize, float in0, float in1, int outSize, Func<double, double> kernel, double support)
    {
        double scale = (double)(in1 - in0) / outSize;
        double filterScale = scale < 1.0 ? 1.0 : scale;
        // Downscaling widens the kernel by the scale factor: the antialiasing.
        support *= filterScale;
        int kernelSize = (int)Math.Ceiling(support) * 2 + 1;
        if ((long)outSize * kernelSize > Array.MaxLength)
        {
            throw new ArgumentOutOfRangeException(nameof(outSize), outSize, $"resampling {inSize} -> {outSize} needs too many coefficients");
        }

        var bounds = new int[outSize * 2];
        var weights = new int[outSize * kernelSize];
        var row = new double[kernelSize];
        double inverseScale = 1.0 / filterScale;
        for (int outIndex = 0; outIndex < outSize; outIndex++)
        {
            double center = in0 + (outIndex + 0.5) * scale;
            // Pillow rounds the window ends with (int)(v + 0.5), i.e. truncation toward zero.
            int first = (int)(center - support + 0.5);
            if (first < 0)
            {
                first = 0;
            }

            int end = (int)(center + support + 0.5);
            if (end > inSize)
            {
                end = inSize;
            }

            int count = end - first;
            double total = 0.0;
            for (int k = 0; k < count; k++)
            {
                double weight = kernel((k + first - center + 0.5) * inverseScale);
                row[k] = weight;
                total += weight;
            }

            int offset = outIndex * kernelSize;
            for (int k = 0; k < count; k++)
            {
                double normalised = total != 0.0 ? row[k] / total : row[k];
                weights[offset + k] = ToFixedPoint(normalised);
            }

            bounds[outIndex * 2] = first;
            bounds[outIndex * 2 + 1] = count;
        }

        return new ResampleCoefficients(kernelSize, bounds, weights);
    }

    // normalize_coeffs_8bpc: round half away from zero, then truncate to int.
    private static int ToFixedPoint(double weight) => weight < 0
        ? (int)(-0.5 + weight * (1 << PillowResize.PrecisionBits))
        : (int)(0.5 + weight * (1 << PillowResize.PrecisionBits));
}
