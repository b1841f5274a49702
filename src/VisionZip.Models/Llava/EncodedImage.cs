using VisionZip.Models.Imaging;
using static TorchSharp.torch;

namespace VisionZip.Models.Llava;

/// <summary>
/// One image ready for the LLM: its visual tokens before and after the multi-modal projector, the VisionZip
/// selection when it was zipped, and what encoding cost.
/// </summary>
/// <remarks>Owns its tensors (outside every dispose scope); dispose it when no prompt needs the image any more.</remarks>
public sealed class EncodedImage : IDisposable
{
    private bool _disposed;

    internal EncodedImage(Tensor imageFeatures, Tensor projected, ZipResult? zip, ZipBudget? budget, ImageMode mode, ImageEncodingStats stats)
    {
        ImageFeatures = imageFeatures.DetachFromDisposeScope();
        Projected = projected.DetachFromDisposeScope();
        Zip = zip;
        if (zip is not null)
        {
            // VisionZipper leaves its tensors in the caller's dispose scope; this object owns them from here on.
            zip.Tokens.DetachFromDisposeScope();
            zip.KeptIndices.DetachFromDisposeScope();
            zip.ContextualTargets.DetachFromDisposeScope();
            zip.Assignment.DetachFromDisposeScope();
            zip.Scores.DetachFromDisposeScope();
        }

        Budget = budget;
        Mode = mode;
        Stats = stats;
    }

    /// <summary>Visual tokens before the projector, <c>[K, Dv]</c>: the feature layer's patches (vanilla) or the VisionZip tokens.</summary>
    public Tensor ImageFeatures { get; }

    /// <summary>Visual tokens after the projector, <c>[K, D]</c> in the language model's dtype and device: what replaces the placeholder.</summary>
    public Tensor Projected { get; }

    /// <summary>Number of visual tokens K this image occupies in the prompt.</summary>
    public int TokenCount => (int)Projected.shape[0];

    /// <summary>The VisionZip result (kept indices, contextual targets, assignment, scores) for batch row 0; null for vanilla.</summary>
    public ZipResult? Zip { get; }

    /// <summary>The VisionZip budget used; null for vanilla.</summary>
    public ZipBudget? Budget { get; }

    /// <summary>How the image was brought to the processor's square (crop or pad).</summary>
    public ImageMode Mode { get; }

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
        Projected.Dispose();
        Zip?.Dispose();
    }
}
