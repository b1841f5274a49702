using SkiaSharp;
using VisionZip.Models.Imaging;

namespace VisionZip.Tests.Generality;

/// <summary>One generated photo: how it was made and its decoded image.</summary>
/// <param name="Name">Shows in test names.</param>
/// <param name="Image">Decoded through <see cref="ImageDecoder"/> from the encoded bytes.</param>
/// <param name="IsGrey">Made from a single channel (decoding must give R = G = B).</param>
/// <param name="Constant">Every pixel has this colour, when the photo is flat.</param>
/// <param name="OpaqueTwin">For an RGBA photo: the same colours stored opaque (dropping alpha must give exactly these).</param>
internal sealed record GeneratedPhoto(string Name, RgbImage Image, bool IsGrey, (byte R, byte G, byte B)? Constant, RgbImage? OpaqueTwin = null);

/// <summary>
/// Photos of awkward shapes and formats users feed the CLI, made in memory with SkiaSharp's encoders and decoded
/// through <see cref="ImageDecoder"/>: a single pixel, slivers, a flat odd-sized image, grey, RGBA with varying alpha,
/// and JPEGs up to several megapixels.
/// </summary>
internal static class GeneratedPhotos
{
    private static readonly Lazy<IReadOnlyDictionary<string, GeneratedPhoto>> All = new(Make);

    public static IEnumerable<string> Names => All.Value.Keys;

    public static GeneratedPhoto Get(string name) => All.Value[name];

    private static IReadOnlyDictionary<string, GeneratedPhoto> Make()
    {
        var photos = new List<GeneratedPhoto>
        {
            Rgb("1x1 png", 1, 1, SKEncodedImageFormat.Png, seed: 1),
            Rgb("3x500 png", 3, 500, SKEncodedImageFormat.Png, seed: 2),
            Rgb("1000x7 png", 1000, 7, SKEncodedImageFormat.Png, seed: 3),
            Flat("333x77 flat png", 333, 77, (200, 31, 97)),
            Grey("37x23 grey png", 37, 23, SKEncodedImageFormat.Png, seed: 4),
            Grey("480x640 grey jpeg", 480, 640, SKEncodedImageFormat.Jpeg, seed: 5),
            Rgba("50x30 rgba png", 50, 30, seed: 6),
            Rgb("640x427 jpeg", 640, 427, SKEncodedImageFormat.Jpeg, seed: 7),
            Rgb("2400x1600 jpeg", 2400, 1600, SKEncodedImageFormat.Jpeg, seed: 8),
        };
        return photos.ToDictionary(p => p.Name, StringComparer.Ordinal);
    }

    // Smooth gradients plus noise, like a photo: every channel differs, and resizing has something to interpolate.
    private static GeneratedPhoto Rgb(string name, int width, int height, SKEncodedImageFormat format, int seed)
    {
        var random = new Random(seed);
        var rgba = new byte[width * height * 4];
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                int i = (y * width + x) * 4;
                rgba[i] = Clamp(255.0 * x / Math.Max(1, width - 1) + random.Next(-20, 21));
                rgba[i + 1] = Clamp(255.0 * y / Math.Max(1, height - 1) + random.Next(-20, 21));
                rgba[i + 2] = Clamp(128 + 100 * Math.Sin((x + y) / 7.0) + random.Next(-20, 21));
                rgba[i + 3] = 255;
            }
        }

        return new GeneratedPhoto(name, Decode(name, Encode(width, height, rgba, SKColorType.Rgba8888, format)), IsGrey: false, Constant: null);
    }

    private static GeneratedPhoto Rgba(string name, int width, int height, int seed)
    {
        var photo = Rgb(name, width, height, SKEncodedImageFormat.Png, seed);
        var rgba = new byte[width * height * 4];
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                var (r, g, b) = photo.Image.GetPixel(x, y);
                int i = (y * width + x) * 4;
                (rgba[i], rgba[i + 1], rgba[i + 2], rgba[i + 3]) = (r, g, b, (byte)(x * 255 / Math.Max(1, width - 1)));
            }
        }

        return photo with { Image = Decode(name, Encode(width, height, rgba, SKColorType.Rgba8888, SKEncodedImageFormat.Png)), OpaqueTwin = photo.Image };
    }

    private static GeneratedPhoto Grey(string name, int width, int height, SKEncodedImageFormat format, int seed)
    {
        var random = new Random(seed);
        var grey = new byte[width * height];
        for (int i = 0; i < grey.Length; i++)
        {
            grey[i] = Clamp(255.0 * (i % width) / Math.Max(1, width - 1) * 0.7 + random.Next(0, 60));
        }

        return new GeneratedPhoto(name, Decode(name, Encode(width, height, grey, SKColorType.Gray8, format)), IsGrey: true, Constant: null);
    }

    private static GeneratedPhoto Flat(string name, int width, int height, (byte R, byte G, byte B) colour)
    {
        var rgba = new byte[width * height * 4];
        for (int i = 0; i < rgba.Length; i += 4)
        {
            (rgba[i], rgba[i + 1], rgba[i + 2], rgba[i + 3]) = (colour.R, colour.G, colour.B, 255);
        }

        return new GeneratedPhoto(name, Decode(name, Encode(width, height, rgba, SKColorType.Rgba8888, SKEncodedImageFormat.Png)), false, colour);
    }

    private static byte[] Encode(int width, int height, byte[] pixels, SKColorType colorType, SKEncodedImageFormat format)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, colorType, colorType == SKColorType.Gray8 ? SKAlphaType.Opaque : SKAlphaType.Unpremul));
        pixels.CopyTo(bitmap.GetPixelSpan());
        using var pixmap = bitmap.PeekPixels();
        using var data = pixmap.Encode(format, 90);
        Assert.NotNull(data);
        return data.ToArray();
    }

    private static RgbImage Decode(string name, byte[] encoded) => ImageDecoder.Decode(encoded, name);

    private static byte Clamp(double value) => (byte)Math.Clamp((int)Math.Round(value), 0, 255);
}
