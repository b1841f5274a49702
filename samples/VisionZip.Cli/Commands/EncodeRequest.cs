using VisionZip.Cli.Infrastructure;
using VisionZip.Cli.Options;

namespace VisionZip.Cli.Commands;

/// <summary>A checked <c>encode</c> invocation.</summary>
/// <param name="Model">The checkpoint directory.</param>
/// <param name="ImagePath">Full path of the image.</param>
/// <param name="Zip">Vanilla or the VisionZip budget.</param>
/// <param name="ImageMode">'crop', 'pad' or null for the checkpoint's processor default.</param>
/// <param name="Compute">dtype and device.</param>
/// <param name="OutPath">Full path of the safetensors output.</param>
internal sealed record EncodeRequest(ModelDirectory Model, string ImagePath, ZipChoice Zip, string? ImageMode, ComputeSettings Compute, string OutPath);
