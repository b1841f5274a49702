using TorchSharp;
using VisionZip.Cli.Infrastructure;
using VisionZip.Cli.Options;
using VisionZip.Cli.Reporting;
using VisionZip.Cli.Visualization;
using VisionZip.Models.Imaging;
using VisionZip.Models.Vision;
using static TorchSharp.torch;

namespace VisionZip.Cli.Pipelines;

/// <summary><c>visualize</c>: run the tower to the feature layer, zip, and draw the result as a PNG.</summary>
public static class VisualizePipeline
{
    /// <summary>Runs the request; returns the exit code.</summary>
    public static int Run(CliContext context, ModelDirectory model, string imagePath, ZipChoice zip, string? imageMode, string outPath)
    {
        using var session = context.Status("Loading model", () => VisionSession.Load(model, ComputeSettings.Resolve("fp32", "cpu"), withProjector: false));
        RgbImage image = VisionSession.Decode(imagePath);
        ZipVisualization picture = Build(session, image, zip, imageMode, $"{Path.GetFileName(imagePath)} \u2014 {model.ModelType}: {session.Describe()} ({model.Path})");
        byte[] png = ZipVisualizer.RenderPng(picture);
        AtomicFile.WriteAllBytes(outPath, "--out", png);
        context.Output.WriteLine(
            $"{picture.Grid.Tokens} encoder tokens \u2192 {picture.KeptIndices.Count + picture.ContextualGroups} " +
            $"({picture.KeptIndices.Count} dominant + {picture.ContextualGroups} contextual); wrote {outPath}");
        return 0;
    }

    /// <summary>Everything the picture needs, from one image through the loaded tower.</summary>
    public static ZipVisualization Build(VisionSession session, RgbImage image, ZipChoice zip, string? imageMode, string title)
    {
        zip.CheckAgainst(session.Tower.Config.NumPositions, session.Tower.HasCls);
        using var noGrad = torch.no_grad();
        using var scope = NewDisposeScope();
        ImageMode mode = VisionSession.Mode(imageMode);
        RgbImage prepared = session.Processor.Prepare(image, mode);                  // what the encoder sees, uint8
        Tensor pixels = session.Processor.Preprocess(image, mode);                    // [1, 3, S, S]
        using var result = (ZipResult)session.Tower.EncodeReduced(pixels, new VisionZipReducer(new ZipBudget(zip.Dominant, zip.Contextual)));
        return FromZip(prepared, session.Grid, result, session.Tower.HasCls, session.Tower.FeatureHiddenStateIndex, title);
    }

    /// <summary>The picture of one zipped image: the prepared (resized, cropped) RGB image and the zip selection of batch row 0.</summary>
    public static ZipVisualization FromZip(RgbImage prepared, PatchGrid grid, ZipResult result, bool hasCls, int hiddenStateIndex, string title)
    {
        using var scope = NewDisposeScope();
        long[] kept = result.KeptIndices[0].to(ScalarType.Int64, CPU).data<long>().ToArray();
        long[] assignment = result.Assignment[0].to(ScalarType.Int64, CPU).data<long>().ToArray();
        long[] targets = result.ContextualTargets[0].to(ScalarType.Int64, CPU).data<long>().ToArray();
        float[] scores = result.Scores[0].to(ScalarType.Float32, CPU).data<float>().ToArray();
        string label = hasCls ? "CLS attention, summed over heads" : "mean attention received";
        return new ZipVisualization(prepared.Pixels.ToArray(), prepared.Width, prepared.Height, grid, kept, assignment, scores,
            $"{label}, layer {hiddenStateIndex - 1}", title, targets);
    }
}
