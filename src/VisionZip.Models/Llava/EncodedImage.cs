using VisionZip.Models.Imaging;
using static TorchSharp.torch;

namespace VisionZip.Models.Llava;

/// <summary>
/// One image ready for the LLM: its tiles' visual tokens before the projector, the packed rows after it (what replaces
/// the image placeholder), the reducer's record when it was reduced, and what encoding cost.
/// </summary>
/// <remarks>Owns its tensors (outside every dispose scope); dispose it when no prompt needs the image any more.</remarks>
public sealed class EncodedImage : IDisposable
{
    private bool _disposed;

    internal EncodedImage(Tensor tileFeatures, Tensor? projected, TokenReduction? reduction, ImageEncodeOptions options,
        ImageEncodingStats stats, Tensor? pixelValues = null, (int Height, int Width)? originalSize = null)
    {
        ImageFeatures = tileFeatures.DetachFromDisposeScope();
        Projected = projected?.DetachFromDisposeScope();
        Reduction = reduction?.DetachFromDisposeScope();
        PixelValues = pixelValues?.DetachFromDisposeScope();
        Reducer = options.Reducer;
        Mode = options.Mode;
        Stats = stats;
        OriginalSize = originalSize;
    }

    /// <summary>
    /// Visual tokens before the projector, <c>[tiles, T, Dv]</c>: every tile's feature-layer patches (vanilla) or its reduced
    /// tokens. One tile for LLaVA-1.5 / Interleave; base image + crops for LLaVA-NeXT.
    /// </summary>
    public Tensor ImageFeatures { get; }

    /// <summary>
    /// The rows that replace the image placeholder, <c>[K, D]</c> in the language model's dtype and device (LLaVA-NeXT: packed
    /// with <c>image_newline</c> rows as the layout decides); null for an encoder-only checkpoint (no projector).
    /// </summary>
    public Tensor? Projected { get; }

    /// <summary>Number of visual tokens K this image occupies in the prompt (tokens per tile times tiles without a projector).</summary>
    public int TokenCount => Projected is { } p ? (int)p.shape[0] : (int)(ImageFeatures.shape[0] * ImageFeatures.shape[1]);

    /// <summary>Tiles the image was encoded as.</summary>
    public int Tiles => (int)ImageFeatures.shape[0];

    /// <summary>The reducer's record for every tile (row t = tile t); null for vanilla.</summary>
    public TokenReduction? Reduction { get; }

    /// <summary>The VisionZip record (kept indices, contextual targets, assignment, scores) when VisionZip reduced it; else null.</summary>
    public ZipResult? Zip => Reduction as ZipResult;

    /// <summary>The reducer used; null for vanilla.</summary>
    public IVisualTokenReducer? Reducer { get; }

    /// <summary>The VisionZip budget used; null for vanilla or another reducer.</summary>
    public ZipBudget? Budget => (Reducer as VisionZipReducer)?.Budget;

    /// <summary>How the image was brought to the processor's square (crop or pad).</summary>
    public ImageMode Mode { get; }

    /// <summary>The preprocessed tiles <c>[tiles, 3, S, S]</c> when <see cref="ImageEncodeOptions.KeepPixels"/> was set; else null.</summary>
    public Tensor? PixelValues { get; }

    /// <summary>The photo's (height, width) for layouts that depend on it (LLaVA-NeXT's <c>image_sizes</c>); else null.</summary>
    public (int Height, int Width)? OriginalSize { get; }

    /// <summary>Token counts and per-stage timings.</summary>
    public ImageEncodingStats Stats { get; }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        ImageFeatures.Dispose();
        Projected?.Dispose();
        Reduction?.Dispose();
        PixelValues?.Dispose();
    }
}
