namespace VisionZip.Models.Imaging;

/// <summary>How an image reaches the processor's square input.</summary>
public enum ImageMode
{
    /// <summary>
    /// What the checkpoint's processor does: <see cref="Pad"/> for a <c>LlavaImageProcessor</c> with
    /// <c>do_pad: true</c>, else <see cref="Crop"/> (unless the <see cref="ImageProcessor"/> was built with
    /// another default mode).
    /// </summary>
    Default,

    /// <summary>
    /// The processor alone (llava-hf's <c>LlavaProcessor</c>): CLIP resizes the shortest edge and center-crops,
    /// SigLIP resizes to exactly height x width.
    /// </summary>
    Crop,

    /// <summary>
    /// The original LLaVA-1.5 <c>image_aspect_ratio: pad</c> (what VisionZip evaluated): paste the image centred on a
    /// square of its longer side filled with <c>int(m * 255)</c> of <c>image_mean</c>, then the processor.
    /// </summary>
    Pad,
}
