using TorchSharp;
using VisionZip.Cli.Infrastructure;
using VisionZip.Cli.Options;
using VisionZip.Models.Errors;
using VisionZip.Models.Imaging;
using VisionZip.Models.Vision;
using static TorchSharp.torch;

namespace VisionZip.Cli.Pipelines;

/// <summary>
/// The vision side of a checkpoint directory, loaded once: the image processor, the vision tower and, for a
/// llava-hf directory, the multi-modal projector.
/// </summary>
public sealed class VisionSession : IDisposable
{
    private VisionSession(ModelDirectory model, ImageProcessor processor, VisionTower tower, LlavaMultiModalProjector? projector)
    {
        Model = model;
        Processor = processor;
        Tower = tower;
        Projector = projector;
    }

    /// <summary>The checkpoint directory.</summary>
    public ModelDirectory Model { get; }

    /// <summary>The checkpoint's image processor.</summary>
    public ImageProcessor Processor { get; }

    /// <summary>The vision tower.</summary>
    public VisionTower Tower { get; }

    /// <summary>The projector of a llava-hf directory; null for a bare CLIP / SigLIP directory.</summary>
    public LlavaMultiModalProjector? Projector { get; }

    /// <summary>Patch grid of the tower's square input.</summary>
    public Visualization.PatchGrid Grid => Visualization.PatchGrid.Square(Tower.Config.ImageSize, Tower.Config.PatchSize, Tower.HasCls);

    /// <summary>Short description, e.g. <c>CLIP vision tower, 336 px, 24x24 patches of 14 px, 4 layers</c>.</summary>
    public string Describe() =>
        $"{(Tower.HasCls ? "CLIP" : "SigLIP")} vision tower, {Tower.Config.ImageSize} px, {Tower.Config.PatchesPerSide}\u00d7{Tower.Config.PatchesPerSide} " +
        $"patches of {Tower.Config.PatchSize} px, {Tower.Config.NumHiddenLayers} layers" + (Projector is null ? "" : " + projector");

    /// <summary>Loads the processor, tower and (llava-hf) projector of <paramref name="model"/>.</summary>
    public static VisionSession Load(ModelDirectory model, ComputeSettings compute, bool withProjector)
    {
        if (model.Kind == ModelKind.LlavaNext)
        {
            throw new CliException($"--model {model.Path}: LLaVA-NeXT (anyres) checkpoints are not supported by this command yet; use a llava (LLaVA-1.5 / interleave), CLIP or SigLIP directory");
        }

        ImageProcessor processor = ModelErrors.Wrap(model, () => ImageProcessor.Load(model.Path));
        VisionTower tower = ModelErrors.Wrap(model, () => VisionTower.Load(model.Path, compute.DType, compute.Device));
        try
        {
            ModelErrors.Wrap(model, () => processor.RequireOutputSize(tower.Config.ImageSize, model.Path));
        }
        catch
        {
            tower.Dispose();
            throw;
        }

        LlavaMultiModalProjector? projector = null;
        try
        {
            if (withProjector && model.Kind == ModelKind.Llava)
            {
                projector = ModelErrors.Wrap(model, () => LlavaMultiModalProjector.Load(model.Path, compute.DType, compute.Device));
            }
        }
        catch
        {
            tower.Dispose();
            throw;
        }

        return new VisionSession(model, processor, tower, projector);
    }

    /// <summary>The <c>--image-mode</c> value as the library's mode (null = the processor's default).</summary>
    public static ImageMode Mode(string? imageMode) => imageMode switch
    {
        null => ImageMode.Default,
        "crop" => ImageMode.Crop,
        "pad" => ImageMode.Pad,
        _ => throw new CliUsageException($"--image-mode must be crop or pad (got '{imageMode}')"),
    };

    /// <summary>The mode <paramref name="imageMode"/> resolves to for this checkpoint, as the option spells it.</summary>
    public string ResolvedModeName(string? imageMode)
    {
        ImageMode mode = Mode(imageMode);
        if (mode == ImageMode.Default)
        {
            mode = Processor.DefaultMode;
        }

        return mode == ImageMode.Pad ? "pad" : "crop";
    }

    /// <summary>Decodes an image file, naming <paramref name="option"/> when it is not an image.</summary>
    public static RgbImage Decode(string path, string option = "--image")
    {
        try
        {
            return ImageDecoder.Load(path);
        }
        catch (Exception e) when (e is ImageException or ResourceLimitException or InvalidDataException or FileNotFoundException or IOException or UnauthorizedAccessException)
        {
            string message = CliApp.OneLine(e.Message);
            throw new CliException(message.Contains(path, StringComparison.Ordinal) ? $"{option} {message}" : $"{option} {path}: {message}", e);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Projector?.Dispose();
        Tower.Dispose();
    }
}
