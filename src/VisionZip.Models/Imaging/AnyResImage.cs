namespace VisionZip.Models.Imaging;

/// <summary>
/// One photo split the LLaVA-NeXT 'anyres' way (<see cref="AnyResProcessor.Split"/>), with every intermediate
/// uint8 image kept for inspection (the fixtures' <c>anyres.*_uint8</c>).
/// </summary>
public sealed record AnyResImage
{
    /// <summary>The photo's size: <c>image_sizes</c> = [[Height, Width]].</summary>
    public required (int Height, int Width) OriginalSize { get; init; }

    /// <summary><c>select_best_resolution</c> over the pinpoints: (height, width).</summary>
    public required (int Height, int Width) BestResolution { get; init; }

    /// <summary>The crop grid (rows, cols) = best resolution // tile size; crops are row-major.</summary>
    public required (int Rows, int Cols) Grid { get; init; }

    /// <summary>The photo resized (aspect not kept) to tile size x tile size: image 0 of <c>pixel_values</c>.</summary>
    public required RgbImage BaseImage { get; init; }

    /// <summary>The photo after the aspect-preserving resize (<c>get_patch_output_size</c>, ceil rule), before padding.</summary>
    public required RgbImage ResizedImage { get; init; }

    /// <summary><see cref="ResizedImage"/> padded with black to <see cref="BestResolution"/> (left/top = floor(diff / 2)).</summary>
    public required RgbImage PaddedImage { get; init; }

    /// <summary>The images the vision tower sees, each already through the processor's uint8 steps: base first, then the crops row-major.</summary>
    public required IReadOnlyList<RgbImage> Images { get; init; }
}
