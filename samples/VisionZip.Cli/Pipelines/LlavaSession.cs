using VisionZip.Cli.Infrastructure;
using VisionZip.Cli.Options;
using VisionZip.Models.Imaging;
using VisionZip.Models.Llava;

namespace VisionZip.Cli.Pipelines;

/// <summary>Loading and image encoding through <see cref="LlavaPipeline"/>, with errors that name the option at fault.</summary>
public static class LlavaSession
{
    /// <summary>Loads a llava-hf directory (LLaVA-1.5, LLaVA-Interleave or LLaVA-NeXT).</summary>
    public static LlavaPipeline Load(ModelDirectory model, ComputeSettings compute) =>
        ModelErrors.Wrap(model, () => LlavaPipeline.Load(model.Path, compute.DType, compute.Device));

    /// <summary>The VisionZip budget of <paramref name="zip"/> after checking it against the tower; null for vanilla.</summary>
    public static ZipBudget? Budget(LlavaPipeline pipeline, ZipChoice zip)
    {
        if (zip.IsDefault && pipeline.LlavaNext is not null)
        {
            // LLaVA-NeXT zips the base image and every crop on its own: the paper's 160-token setting is 27+5 per image.
            zip = new ZipChoice(ZipPresets.LlavaNext160.Dominant, ZipPresets.LlavaNext160.Contextual, Enabled: true, IsDefault: true);
        }

        zip.CheckAgainst(pipeline.VisionTower.Config.NumPositions, pipeline.VisionTower.HasCls);
        return zip.Enabled ? new ZipBudget(zip.Dominant, zip.Contextual) : null;
    }

    /// <summary>Decodes and encodes every image (the caller disposes them); a failure disposes those already encoded.</summary>
    public static List<EncodedImage> EncodeImages(LlavaPipeline pipeline, IReadOnlyList<string> paths, ZipChoice zip, string? imageMode)
    {
        ZipBudget? budget = Budget(pipeline, zip);
        ImageMode mode = VisionSession.Mode(imageMode);
        var images = new List<EncodedImage>();
        try
        {
            foreach (string path in paths)
            {
                RgbImage image = VisionSession.Decode(path);
                images.Add(pipeline.EncodeImage(image, budget, mode));
            }

            return images;
        }
        catch
        {
            images.ForEach(image => image.Dispose());
            throw;
        }
    }

    /// <summary>Checks that the prompt has one image placeholder per image.</summary>
    public static void CheckPlaceholders(LlavaPipeline pipeline, IReadOnlyList<long> ids, int images, string option)
    {
        int placeholders = ids.Count(id => id == pipeline.Config.ImageTokenIndex);
        if (placeholders != images)
        {
            throw new CliUsageException(
                $"{option}: the prompt has {placeholders} image placeholder(s) ({pipeline.Tokenizer.ImageToken}, id {pipeline.Config.ImageTokenIndex}) but {images} --image given");
        }
    }
}
