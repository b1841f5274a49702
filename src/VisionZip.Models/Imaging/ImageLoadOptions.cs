namespace VisionZip.Models.Imaging;

/// <summary>Limits and choices for <see cref="ImageDecoder"/>.</summary>
public sealed record ImageLoadOptions
{
    /// <summary>
    /// Pillow's <c>Image.MAX_IMAGE_PIXELS</c> (<c>1024 * 1024 * 1024 // 4 // 3</c> = 89,478,485): above it Pillow
    /// only warns.
    /// </summary>
    public const long PillowWarningPixels = 89_478_485;

    /// <summary>
    /// The default <see cref="MaxPixels"/>: twice <see cref="PillowWarningPixels"/> (178,956,970), the size at which
    /// Pillow raises <c>DecompressionBombError</c>, so every image Pillow opens also opens here.
    /// </summary>
    public const long DefaultMaxPixels = 2 * PillowWarningPixels;

    /// <summary>The defaults: <see cref="DefaultMaxPixels"/>, EXIF orientation applied.</summary>
    public static ImageLoadOptions Default { get; } = new();

    /// <summary>Images with more pixels (width * height) than this are rejected before their pixels are decoded.</summary>
    public long MaxPixels { get; init; } = DefaultMaxPixels;

    /// <summary>
    /// Whether to rotate/flip the image as its EXIF orientation says (transformers' <c>load_image</c> calls
    /// <c>ImageOps.exif_transpose</c>). True by default.
    /// </summary>
    public bool ApplyExifOrientation { get; init; } = true;
}
