using SkiaSharp;
using VisionZip.Models.Errors;

namespace VisionZip.Models.Imaging;

/// <summary>
/// Decodes image files (PNG, JPEG, WebP, BMP, GIF's first frame, and whatever else SkiaSharp reads) into
/// <see cref="RgbImage"/>s the way the Hugging Face processors see a <c>PIL.Image.open(path).convert("RGB")</c>:
/// grey is replicated to R = G = B, palettes are looked up, and alpha is DROPPED (not composited on a
/// background) — transformers' <c>convert_to_rgb</c> for CLIP/SigLIP/LLaVA(-NeXT) is <c>image.convert("RGB")</c>.
/// </summary>
/// <remarks>
/// Pixels are decoded unpremultiplied and without colour management (no ICC or gAMA conversion), like Pillow.
/// The EXIF orientation is applied unless <see cref="ImageLoadOptions.ApplyExifOrientation"/> is false.
/// Known differences from Pillow (none affect 8-bit RGB/RGBA/grey/palette PNGs, BMP or opaque GIFs): the
/// transparent index of a GIF comes out black where Pillow keeps its palette colour; 16-bit samples keep their
/// high byte (as Pillow does for 16-bit RGB), while Pillow clips 16-bit grey through its integer mode; lossy
/// JPEG/WebP decoders may differ from Pillow's by a level in places.
/// Thread-safe.
/// </remarks>
public static class ImageDecoder
{
    /// <summary>Reads and decodes an image file.</summary>
    /// <exception cref="FileNotFoundException">There is no file at <paramref name="path"/>.</exception>
    /// <exception cref="ImageException">The file is empty, not an image, truncated or corrupt, or has a zero side; the message names the file.</exception>
    /// <exception cref="ResourceLimitException">The image has more pixels than <see cref="ImageLoadOptions.MaxPixels"/> (checked before decoding).</exception>
    public static RgbImage Load(string path, ImageLoadOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string fullPath = Path.GetFullPath(path);
        if (!File.Exists(fullPath))
        {
            throw new FileNotFoundException($"image not found: {fullPath}", fullPath);
        }

        return Decode(File.ReadAllBytes(fullPath), fullPath, options);
    }

    /// <summary>Decodes an encoded image held in memory; <paramref name="sourceName"/> names it in errors.</summary>
    /// <exception cref="ImageException">As <see cref="Load"/>.</exception>
    /// <exception cref="ResourceLimitException">As <see cref="Load"/>.</exception>
    public static RgbImage Decode(ReadOnlySpan<byte> encoded, string sourceName, ImageLoadOptions? options = null) =>
        Decode(encoded.ToArray(), sourceName, options);

    private static RgbImage Decode(byte[] encoded, string sourceName, ImageLoadOptions? options)
    {
        ArgumentNullException.ThrowIfNull(sourceName);
        options ??= ImageLoadOptions.Default;
        if (encoded.Length == 0)
        {
            throw new ImageException(sourceName, $"{sourceName}: the file is empty (0 bytes), not an image");
        }

        using var stream = new SKMemoryStream(encoded);
        using var codec = SKCodec.Create(stream, out var created);
        if (codec is null)
        {
            string why = Sniff(encoded) is string format
                ? $"its {format} header is truncated or corrupt ({created})"
                : "unrecognised format (expected PNG, JPEG, WebP, BMP, GIF or another format Skia reads)";
            throw new ImageException(sourceName,
                $"{sourceName}: not a decodable image: {why}; {encoded.Length} bytes starting {Convert.ToHexString(encoded, 0, Math.Min(8, encoded.Length))}");
        }

        var info = codec.Info;
        int width = info.Width;
        int height = info.Height;
        if (width <= 0 || height <= 0)
        {
            throw new ImageException(sourceName, $"{sourceName}: the image has a zero size ({width}x{height})");
        }

        long pixelCount = (long)width * height;
        if (pixelCount > options.MaxPixels)
        {
            throw new ResourceLimitException(sourceName, $"the decoded image ({width}x{height}) in pixels", pixelCount, options.MaxPixels,
                $"{nameof(ImageLoadOptions)}.{nameof(ImageLoadOptions.MaxPixels)}", "a decompression-bomb guard like Pillow's");
        }

        if (pixelCount * 4 > Array.MaxLength)
        {
            throw new ImageException(sourceName, $"{sourceName}: {width}x{height} is too large to decode into memory");
        }

        byte[] rgba = DecodeRgba(codec, width, height, sourceName);
        var image = DropAlpha(rgba, width, height);
        return options.ApplyExifOrientation ? Orientation.Apply(image, codec.EncodedOrigin) : image;
    }

    private static unsafe byte[] DecodeRgba(SKCodec codec, int width, int height, string sourceName)
    {
        // No colour space: Skia then skips every colour transform and hands back the stored values.
        var target = new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul, null);
        var rgba = new byte[(long)width * height * 4];
        SKCodecResult result;
        fixed (byte* pixels = rgba)
        {
            result = codec.GetPixels(target, (IntPtr)pixels);
        }

        return result switch
        {
            SKCodecResult.Success => rgba,
            SKCodecResult.IncompleteInput or SKCodecResult.ErrorInInput => throw new ImageException(sourceName,
                $"{sourceName}: the {codec.EncodedFormat} image ({width}x{height}) is truncated or corrupt ({result})"),
            _ => throw new ImageException(sourceName,
                $"{sourceName}: the {codec.EncodedFormat} image ({width}x{height}) could not be decoded ({result})"),
        };
    }

    // PIL's RGBA -> RGB conversion: keep R, G, B as stored, whatever the alpha.
    private static RgbImage DropAlpha(byte[] rgba, int width, int height)
    {
        var rgb = new byte[(long)width * height * RgbImage.Channels];
        for (long pixel = 0, from = 0, to = 0; pixel < (long)width * height; pixel++, from += 4, to += 3)
        {
            rgb[to] = rgba[from];
            rgb[to + 1] = rgba[from + 1];
            rgb[to + 2] = rgba[from + 2];
        }

        return RgbImage.Wrap(width, height, rgb);
    }

    // The container a file claims to be, from its signature; only used to word errors.
    private static string? Sniff(ReadOnlySpan<byte> encoded) => encoded switch
    {
        [0x89, (byte)'P', (byte)'N', (byte)'G', ..] => "PNG",
        [0xFF, 0xD8, 0xFF, ..] => "JPEG",
        [(byte)'G', (byte)'I', (byte)'F', (byte)'8', ..] => "GIF",
        [(byte)'B', (byte)'M', ..] => "BMP",
        [(byte)'R', (byte)'I', (byte)'F', (byte)'F', _, _, _, _, (byte)'W', (byte)'E', (byte)'B', (byte)'P', ..] => "WebP",
        _ => null,
    };
}
