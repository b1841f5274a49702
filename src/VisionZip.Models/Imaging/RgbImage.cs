using static TorchSharp.torch;

namespace VisionZip.Models.Imaging;

/// <summary>
/// An 8-bit RGB image: rows top to bottom, three bytes (R, G, B) per pixel, interleaved (HWC).
/// The bytes are the file's own sRGB values, unpremultiplied and without colour management,
/// i.e. what Pillow's <c>Image.convert("RGB")</c> holds.
/// </summary>
/// <remarks>Immutable and thread-safe: every operation returns a new image.</remarks>
public sealed class RgbImage
{
    /// <summary>Bytes per pixel (R, G, B).</summary>
    public const int Channels = 3;

    private readonly byte[] _pixels;

    /// <summary>Creates an image from a copy of <paramref name="pixels"/> (HWC, length <c>width * height * 3</c>).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A side is not positive.</exception>
    /// <exception cref="ArgumentException">The buffer length does not match the size.</exception>
    public RgbImage(int width, int height, ReadOnlySpan<byte> pixels)
        : this(width, height, pixels.ToArray())
    {
    }

    private RgbImage(int width, int height, byte[] pixels)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        long expected = (long)width * height * Channels;
        if (pixels.LongLength != expected)
        {
            throw new ArgumentException($"pixels: expected {expected} bytes for {width}x{height} RGB, got {pixels.LongLength}", nameof(pixels));
        }

        Width = width;
        Height = height;
        _pixels = pixels;
    }

    /// <summary>Width in pixels.</summary>
    public int Width { get; }

    /// <summary>Height in pixels.</summary>
    public int Height { get; }

    /// <summary>The pixel bytes, HWC: byte <c>(y * Width + x) * 3 + c</c> is channel c of pixel (x, y).</summary>
    public ReadOnlySpan<byte> Pixels => _pixels;

    /// <summary>Takes ownership of <paramref name="pixels"/> without copying (callers must not change it afterwards).</summary>
    internal static RgbImage Wrap(int width, int height, byte[] pixels) => new(width, height, pixels);

    /// <summary>The raw buffer, for the library's own kernels (never written after construction).</summary>
    internal byte[] Buffer => _pixels;

    /// <summary>An image of one colour.</summary>
    public static RgbImage Filled(int width, int height, byte red, byte green, byte blue)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        var pixels = new byte[(long)width * height * Channels];
        for (long i = 0; i < pixels.LongLength; i += Channels)
        {
            pixels[i] = red;
            pixels[i + 1] = green;
            pixels[i + 2] = blue;
        }

        return Wrap(width, height, pixels);
    }

    /// <summary>The colour of pixel (x, y).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The pixel is outside the image.</exception>
    public (byte Red, byte Green, byte Blue) GetPixel(int x, int y)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(x);
        ArgumentOutOfRangeException.ThrowIfNegative(y);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(x, Width);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(y, Height);
        long offset = ((long)y * Width + x) * Channels;
        return (_pixels[offset], _pixels[offset + 1], _pixels[offset + 2]);
    }

    /// <summary>The image as a uint8 tensor <c>[Height, Width, 3]</c> (the layout of the fixtures' <c>*_uint8</c> goldens).</summary>
    public Tensor ToTensor() => tensor(_pixels, [Height, Width, Channels], dtype: ScalarType.Byte);

    /// <summary>Creates an image from a uint8 tensor <c>[H, W, 3]</c>.</summary>
    /// <exception cref="ArgumentException">The tensor is not uint8 <c>[H, W, 3]</c>.</exception>
    public static RgbImage FromTensor(Tensor hwc)
    {
        ArgumentNullException.ThrowIfNull(hwc);
        if (hwc.dtype != ScalarType.Byte || hwc.dim() != 3 || hwc.shape[2] != Channels)
        {
            throw new ArgumentException($"{nameof(hwc)}: expected uint8 [H, W, 3], got {hwc.dtype} [{string.Join(", ", hwc.shape)}]", nameof(hwc));
        }

        using var scope = NewDisposeScope();
        var contiguous = hwc.cpu().contiguous();
        return Wrap((int)hwc.shape[1], (int)hwc.shape[0], contiguous.data<byte>().ToArray());
    }

    /// <inheritdoc />
    public override string ToString() => $"RgbImage {Width}x{Height}";
}
