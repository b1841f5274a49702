using VisionZip.Cli.Infrastructure;
using VisionZip.Cli.Options;
using VisionZip.Models;
using VisionZip.Models.Errors;
using VisionZip.Models.Imaging;
using VisionZip.Models.Llava;

namespace VisionZip.Cli.Pipelines;

/// <summary>The CLI's side of the library facade: load, decode, encode and prompt, with errors that name the option at fault.</summary>
internal static class ModelLoader
{
    /// <summary>Loads any supported checkpoint through <see cref="VisionLanguageModel.Load"/>.</summary>
    public static VisionLanguageModel Load(ModelDirectory model, ComputeSettings compute, ModelParts parts = ModelParts.All) =>
        AfterLoading(ModelErrors.Wrap(model, () => VisionLanguageModel.Load(model.Path, compute.DType, compute.Device, parts)));

    /// <summary>
    /// Once the weights are in memory, large tensors reuse freed memory instead of page-faulting fresh pages
    /// (<see cref="VisionZip.Runtime.NativeMemoryReuse"/>; not before: loading would fragment a heap that keeps memory).
    /// </summary>
    public static T AfterLoading<T>(T loaded)
    {
        VisionZip.Runtime.NativeMemoryReuse.Enable();
        return loaded;
    }

    /// <summary>Adds every <c>--projector-adapter</c> to the loaded model; a refused adapter names the option and the file.</summary>
    public static void AddAdapters(VisionLanguageModel model, IReadOnlyList<string>? paths)
    {
        foreach (string path in paths ?? [])
        {
            try
            {
                model.AddProjectorAdapter(path);
            }
            catch (Exception e) when (e is VisionZipException or InvalidDataException or InvalidOperationException or IOException)
            {
                throw new CliException($"--projector-adapter {path}: {CliApp.OneLine(e.Message)}", e);
            }
        }
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
    public static string ResolvedModeName(VisionLanguageModel model, string? imageMode)
    {
        if (model.ImageLayout.Name == "anyres")
        {
            return "anyres";
        }

        ImageMode mode = Mode(imageMode);
        if (mode == ImageMode.Default)
        {
            mode = model.ImageProcessor.DefaultMode;
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
        catch (Exception e) when (e is VisionZipException or InvalidDataException or FileNotFoundException or IOException or UnauthorizedAccessException)
        {
            string message = CliApp.OneLine(e.Message);
            throw new CliException(message.Contains(path, StringComparison.Ordinal) ? $"{option} {message}" : $"{option} {path}: {message}", e);
        }
    }

    /// <summary>Decodes and encodes every image (the caller disposes them); a failure disposes those already encoded.</summary>
    public static List<EncodedImage> EncodeImages(VisionLanguageModel model, IReadOnlyList<string> paths, ImageEncodeOptions options)
    {
        var images = new List<EncodedImage>();
        try
        {
            foreach (string path in paths)
            {
                images.Add(model.EncodeImage(Decode(path), options));
            }

            return images;
        }
        catch
        {
            images.ForEach(image => image.Dispose());
            throw;
        }
    }

    /// <summary>The prompt ids through the library's one prompt path; its errors name <paramref name="option"/>.</summary>
    public static long[] PromptIds(VisionLanguageModel model, string? prompt, bool raw, IReadOnlyList<long>? inputIds, int imageCount)
    {
        try
        {
            return model.PreparePrompt(prompt, imageCount, raw, inputIds);
        }
        catch (PromptException e)
        {
            throw new CliUsageException($"{(inputIds is null ? "--prompt" : "--input-ids")}: {e.Message}");
        }
    }

    /// <summary>One line describing the model, e.g. <c>llava (Llava15): CLIP 336 px tower, 24x24 patches, 4 layers + projector</c>.</summary>
    public static string Describe(VisionLanguageModel model)
    {
        if (!model.HasVision)
        {
            var config = model.LanguageModel.Config;
            return $"{config.ModelType} decoder, {config.NumHiddenLayers} layers, hidden {config.HiddenSize}, vocab {config.VocabSize}";
        }

        var tower = model.VisionTower;
        string layout = model.ImageLayout.Name == "anyres" ? ", anyres tiles" : "";
        return $"{(tower.HasCls ? "CLIP" : "SigLIP")} vision tower, {tower.Config.ImageSize} px, {tower.Config.PatchesPerSide}\u00d7{tower.Config.PatchesPerSide} " +
            $"patches of {tower.Config.PatchSize} px, {tower.Config.NumHiddenLayers} layers" + (model.Kind.IsLlava() ? $" + projector{layout}" : "");
    }
}
