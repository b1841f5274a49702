namespace VisionZip.Models.Imaging;

/// <summary>
/// Pillow's resampling filters, with Pillow's numbers (<c>PIL.Image.Resampling</c>), which is what
/// <c>"resample"</c> in <c>preprocessor_config.json</c> holds (3 = BICUBIC).
/// </summary>
public enum PillowResample
{
    /// <summary>Nearest neighbour (Pillow's affine scale path).</summary>
    Nearest = 0,

    /// <summary>Lanczos, a = 3 (truncated sinc).</summary>
    Lanczos = 1,

    /// <summary>Triangle filter.</summary>
    Bilinear = 2,

    /// <summary>Keys cubic convolution with a = -0.5, the filter every CLIP/SigLIP/LLaVA processor uses.</summary>
    Bicubic = 3,

    /// <summary>Box filter.</summary>
    Box = 4,

    /// <summary>Hamming-windowed sinc.</summary>
    Hamming = 5,
}
