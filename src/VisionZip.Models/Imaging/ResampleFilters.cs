namespace VisionZip.Models.Imaging;

/// <summary>
/// The 1-D kernels of Pillow's separable resampling (libImaging/Resample.c), evaluated in double precision
/// exactly as Pillow writes them, so the fixed-point coefficients derived from them round the same way.
/// </summary>
internal static class ResampleFilters
{
    /// <summary>Cubic convolution parameter of Pillow's BICUBIC.</summary>
    private const double CubicA = -0.5;

    /// <summary>The kernel and its support radius (in source pixels at scale 1).</summary>
    public static (Func<double, double> Kernel, double Support) For(PillowResample resample) => resample switch
    {
        PillowResample.Box => (Box, 0.5),
        PillowResample.Bilinear => (Bilinear, 1.0),
        PillowResample.Hamming => (Hamming, 1.0),
        PillowResample.Bicubic => (Bicubic, 2.0),
        PillowResample.Lanczos => (Lanczos, 3.0),
        _ => throw new ArgumentOutOfRangeException(nameof(resample), resample, "not a convolution filter (NEAREST has its own path)"),
    };

    public static double Box(double x) => x > -0.5 && x <= 0.5 ? 1.0 : 0.0;

    public static double Bilinear(double x)
    {
        if (x < 0.0)
        {
            x = -x;
        }

        return x < 1.0 ? 1.0 - x : 0.0;
    }

    public static double Hamming(double x)
    {
        if (x < 0.0)
        {
            x = -x;
        }

        if (x == 0.0)
        {
            return 1.0;
        }

        if (x >= 1.0)
        {
            return 0.0;
        }

        x *= Math.PI;
        // Pillow writes the window constants as float literals (0.54f, 0.46f).
        return Math.Sin(x) / x * ((double)0.54f + (double)0.46f * Math.Cos(x));
    }

    public static double Bicubic(double x)
    {
        if (x < 0.0)
        {
            x = -x;
        }

        if (x < 1.0)
        {
            return ((CubicA + 2.0) * x - (CubicA + 3.0)) * x * x + 1;
        }

        if (x < 2.0)
        {
            return (((x - 5) * x + 8) * x - 4) * CubicA;
        }

        return 0.0;
    }

    public static double Lanczos(double x) => -3.0 <= x && x < 3.0 ? Sinc(x) * Sinc(x / 3) : 0.0;

    private static double Sinc(double x)
    {
        if (x == 0.0)
        {
            return 1.0;
        }

        x *= Math.PI;
        return Math.Sin(x) / x;
    }
}
