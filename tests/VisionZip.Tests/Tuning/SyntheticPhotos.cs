using VisionZip.Models.Imaging;
using VisionZip.Models.Tuning;

namespace VisionZip.Tests.Tuning;

/// <summary>Seeded synthetic photos with structure (a gradient sky, coloured rectangles and discs), for tuning runs.</summary>
internal static class SyntheticPhotos
{
    /// <summary>
    /// One photo of a single domain (as a user's own photos are): a sky gradient over green ground, a sun disc and a
    /// few boxes, with positions, sizes and colours jittered by the seed.
    /// </summary>
    public static RgbImage Make(int seed, int width = 96, int height = 80)
    {
        var random = new Random(seed);
        var pixels = new byte[width * height * 3];
        var sky = Jitter(random, (70, 130, 220));
        var haze = Jitter(random, (225, 235, 245));
        var ground = Jitter(random, (60, 140, 60));
        int horizon = height / 2 + random.Next(-height / 8, height / 8);
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                var colour = y < horizon ? Mix(sky, haze, y / (double)horizon) : ground;
                Set(pixels, width, x, y, colour);
            }
        }

        Disc(pixels, width, height, random.Next(width), random.Next(horizon), 5 + random.Next(8), Jitter(random, (250, 210, 40)));
        for (int box = 0; box < 1 + random.Next(3); box++)
        {
            int x0 = random.Next(width - 10), w = 6 + random.Next(20), h = 6 + random.Next(20);
            var colour = Jitter(random, (150, 80, 50));
            for (int y = Math.Max(0, horizon - h); y < Math.Min(height, horizon + 4); y++)
            {
                for (int x = x0; x < Math.Min(width, x0 + w); x++)
                {
                    Set(pixels, width, x, y, colour);
                }
            }
        }

        return new RgbImage(width, height, pixels);
    }

    /// <summary>Writes <paramref name="count"/> photos as PNG files into <paramref name="directory"/>; returns their paths.</summary>
    public static IReadOnlyList<string> WritePngs(string directory, int count, int seed = 100)
    {
        Directory.CreateDirectory(directory);
        var paths = new List<string>();
        for (int i = 0; i < count; i++)
        {
            var image = Make(seed + i);
            var rgba = new byte[image.Width * image.Height * 4];
            var rgb = image.Pixels;
            for (int p = 0; p < image.Width * image.Height; p++)
            {
                (rgba[4 * p], rgba[4 * p + 1], rgba[4 * p + 2], rgba[4 * p + 3]) = (rgb[3 * p], rgb[3 * p + 1], rgb[3 * p + 2], 255);
            }

            using var bitmap = new SkiaSharp.SKBitmap(new SkiaSharp.SKImageInfo(image.Width, image.Height, SkiaSharp.SKColorType.Rgba8888, SkiaSharp.SKAlphaType.Unpremul));
            System.Runtime.InteropServices.Marshal.Copy(rgba, 0, bitmap.GetPixels(), rgba.Length);
            using var data = bitmap.Encode(SkiaSharp.SKEncodedImageFormat.Png, 100);
            string path = Path.Combine(directory, $"photo-{i:D3}.png");
            File.WriteAllBytes(path, data.ToArray());
            paths.Add(path);
        }

        return paths;
    }

    private static void Disc(byte[] pixels, int width, int height, int cx, int cy, int radius, (byte, byte, byte) colour)
    {
        for (int y = Math.Max(0, cy - radius); y < Math.Min(height, cy + radius); y++)
        {
            for (int x = Math.Max(0, cx - radius); x < Math.Min(width, cx + radius); x++)
            {
                if ((x - cx) * (x - cx) + (y - cy) * (y - cy) <= radius * radius)
                {
                    Set(pixels, width, x, y, colour);
                }
            }
        }
    }

    private static (byte, byte, byte) Jitter(Random random, (int R, int G, int B) colour) =>
        (Clamp(colour.R + random.Next(-25, 26)), Clamp(colour.G + random.Next(-25, 26)), Clamp(colour.B + random.Next(-25, 26)));

    private static byte Clamp(int value) => (byte)Math.Clamp(value, 0, 255);

    public static IReadOnlyList<TuningExample> Examples(int count, int seed = 100)
    {
        string[] questions = ["What is shown in this image?", "Describe the colours.", "What shapes do you see?"];
        return [.. Enumerable.Range(0, count).Select(i => new TuningExample($"synthetic-{seed + i}", Make(seed + i), questions[i % questions.Length]))];
    }

    private static (byte, byte, byte) Mix((byte R, byte G, byte B) a, (byte R, byte G, byte B) b, double t) =>
        ((byte)(a.R + (b.R - a.R) * t), (byte)(a.G + (b.G - a.G) * t), (byte)(a.B + (b.B - a.B) * t));

    private static void Set(byte[] pixels, int width, int x, int y, (byte R, byte G, byte B) colour)
    {
        int i = (y * width + x) * 3;
        (pixels[i], pixels[i + 1], pixels[i + 2]) = colour;
    }
}
