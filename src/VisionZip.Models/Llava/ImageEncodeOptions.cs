using VisionZip.Models.Imaging;

namespace VisionZip.Models.Llava;

/// <summary>How an image becomes visual tokens: the reducer (null = vanilla, every token) and the square-making mode.</summary>
public sealed record ImageEncodeOptions
{
    /// <summary>Every visual token (the checkpoint's feature selection), crop/pad from the processor.</summary>
    public static ImageEncodeOptions Vanilla { get; } = new();

    /// <summary>The token reduction applied to every tile; null = vanilla.</summary>
    public IVisualTokenReducer? Reducer { get; init; }

    /// <summary>Crop (the checkpoint processor) or pad (LLaVA-1.5's original expand-to-square); single-tile layouts only.</summary>
    public ImageMode Mode { get; init; } = ImageMode.Default;

    /// <summary>Keep the preprocessed <c>pixel_values</c> on the <see cref="EncodedImage"/> (for tools that write them).</summary>
    public bool KeepPixels { get; init; }

    /// <summary>VisionZip with <paramref name="budget"/> per tile.</summary>
    public static ImageEncodeOptions Zip(ZipBudget budget, ImageMode mode = ImageMode.Default) => new() { Reducer = new VisionZipReducer(budget), Mode = mode };

    /// <summary>Options for a budget given the old way: null = vanilla, else VisionZip.</summary>
    internal static ImageEncodeOptions FromBudget(ZipBudget? budget, ImageMode mode) =>
        budget is { } b ? Zip(b, mode) : new ImageEncodeOptions { Mode = mode };
}
