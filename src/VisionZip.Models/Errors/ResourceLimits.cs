namespace VisionZip.Models.Errors;

/// <summary>
/// Upper bounds on the sizes that input files can ask the library to allocate. Every size derived from input is
/// checked against them before the allocation; going over raises <see cref="ResourceLimitException"/> naming the
/// file, the size, the limit and the setting to raise.
/// </summary>
/// <remarks>Immutable; thread-safe. <see cref="Default"/> accepts every image Pillow opens.</remarks>
public sealed record ResourceLimits
{
    /// <summary>
    /// The default <see cref="MaxImagePixels"/>: 178,956,970, twice Pillow's <c>Image.MAX_IMAGE_PIXELS</c>, where Pillow
    /// raises <c>DecompressionBombError</c> (about 512 MiB of RGB).
    /// </summary>
    public const long DefaultMaxImagePixels = 178_956_970;

    /// <summary>The defaults.</summary>
    public static ResourceLimits Default { get; } = new();

    /// <summary>
    /// Largest image (width * height) decoded, padded, resized or cropped on the way to <c>pixel_values</c>: a decoded
    /// file, its square padding, the resize target (a 6000x1 strip resized to a 336 short side would be 2,016,000x336)
    /// and the crop.
    /// </summary>
    public long MaxImagePixels { get; init; } = DefaultMaxImagePixels;

    /// <summary>Largest number of anyres tiles (base image included) per image.</summary>
    public int MaxImageTiles { get; init; } = 64;

    /// <summary>Largest prompt, in characters, handed to a tokenizer (1 MiB of text by default).</summary>
    public int MaxPromptChars { get; init; } = 1 << 20;
}
