namespace VisionZip.Models.Imaging;

/// <summary>The transformers image processor classes this library reproduces (their slow, PIL-based versions).</summary>
public enum ImageProcessorKind
{
    /// <summary><c>CLIPImageProcessor</c> (also <c>CLIPFeatureExtractor</c>): shortest-edge resize, center crop.</summary>
    Clip,

    /// <summary><c>SiglipImageProcessor</c>: resize to exactly height x width, no crop, mean = std = 0.5.</summary>
    Siglip,

    /// <summary><c>LlavaImageProcessor</c>: CLIP plus optional <c>do_pad</c> (pad to a square with the mean colour first).</summary>
    Llava,

    /// <summary><c>LlavaNextImageProcessor</c>: CLIP for each tile, plus the 'anyres' split (<see cref="AnyResProcessor"/>).</summary>
    LlavaNext,
}
