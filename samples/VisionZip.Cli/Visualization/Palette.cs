using SkiaSharp;

namespace VisionZip.Cli.Visualization;

/// <summary>Colours of the VisionZip picture: distinct group colours and a perceptual heat-map scale.</summary>
internal static class Palette
{
    /// <summary>Outline of the dominant tokens (warm yellow, readable on photos and on the heat map).</summary>
    public static readonly SKColor Dominant = new(0xFF, 0xE1, 0x3D);

    /// <summary>Page background.</summary>
    public static readonly SKColor Background = new(0xFA, 0xFA, 0xF7);

    /// <summary>Body text.</summary>
    public static readonly SKColor Text = new(0x22, 0x22, 0x22);

    /// <summary>Secondary text.</summary>
    public static readonly SKColor Muted = new(0x5F, 0x5F, 0x5F);

    // Anchors of matplotlib's 'inferno' map at 0, 1/8, ..., 1 (dark purple to pale yellow).
    private static readonly SKColor[] Inferno =
    [
        new(0x00, 0x00, 0x04), new(0x1B, 0x0C, 0x41), new(0x4A, 0x0C, 0x6B), new(0x78, 0x1C, 0x6D), new(0xA5, 0x2C, 0x60),
        new(0xCF, 0x44, 0x46), new(0xED, 0x69, 0x25), new(0xFB, 0x9B, 0x06), new(0xFC, 0xFF, 0xA4),
    ];

    /// <summary>Colour of contextual group <paramref name="group"/>: hues spread by the golden ratio so neighbours differ.</summary>
    public static SKColor Group(int group)
    {
        double hue = (0.07 + group * 0.6180339887498949) % 1.0;
        float saturation = group % 2 == 0 ? 85 : 65;
        float value = group % 3 == 1 ? 80 : 98;
        return SKColor.FromHsv((float)(hue * 360), saturation, value);
    }

    /// <summary>Heat-map colour of <paramref name="t"/> in [0, 1] (clamped).</summary>
    public static SKColor Heat(double t)
    {
        if (double.IsNaN(t))
        {
            t = 0;
        }

        t = Math.Clamp(t, 0, 1) * (Inferno.Length - 1);
        int low = Math.Min((int)t, Inferno.Length - 2);
        double f = t - low;
        SKColor a = Inferno[low];
        SKColor b = Inferno[low + 1];
        return new SKColor(Lerp(a.Red, b.Red, f), Lerp(a.Green, b.Green, f), Lerp(a.Blue, b.Blue, f));
    }

    private static byte Lerp(byte a, byte b, double f) => (byte)Math.Round(a + (b - a) * f);
}
