using VisionZip.Cli.Infrastructure;

namespace VisionZip.Cli.Options;

/// <summary>Checked values of <see cref="VisionImageOptions"/>.</summary>
/// <param name="Model">The vision checkpoint directory.</param>
/// <param name="ImagePath">Full path of the image.</param>
/// <param name="Zip">Vanilla or the VisionZip budget.</param>
/// <param name="ImageMode">'crop', 'pad' or null for the checkpoint's processor default.</param>
/// <param name="OutPath">Full path of the output file.</param>
internal sealed record VisionImageInput(ModelDirectory Model, string ImagePath, ZipChoice Zip, string? ImageMode, string OutPath);
