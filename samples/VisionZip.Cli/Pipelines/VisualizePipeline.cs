using TorchSharp;
using VisionZip.Cli.Infrastructure;
using VisionZip.Cli.Options;
using VisionZip.Cli.Visualization;
using VisionZip.Models;
using VisionZip.Models.Imaging;
using VisionZip.Models.Llava;
using static TorchSharp.torch;

namespace VisionZip.Cli.Pipelines;

/// <summary>
/// <c>visualize</c>: one image through the library's encode path, then a PNG per tile (stacked) of the reduction: VisionZip's
/// dominant tokens outlined and contextual groups coloured next to the attention map they were chosen from; for other
/// reducers the groups of input patches that made each output token.
/// </summary>
internal static class VisualizePipeline
{
    /// <summary>Runs the command; returns the exit code.</summary>
    public static int Run(CliContext context, ModelDirectory model, string imagePath, ZipChoice zip, string? imageMode, string outPath)
    {
        using var loaded = context.Status("Loading model", () => ModelLoader.Load(model, ComputeSettings.Resolve("fp32", "cpu"), ModelParts.Vision));
        RgbImage image = ModelLoader.Decode(imagePath);
        var options = zip.ToOptions(loaded, ModelLoader.Mode(imageMode));
        using EncodedImage encoded = loaded.EncodeImage(image, options);
        var tiles = Build(loaded, image, encoded, $"{Path.GetFileName(imagePath)} \u2014 {model.ModelType}: {ModelLoader.Describe(loaded)} ({model.Path})");
        AtomicFile.WriteAllBytes(outPath, "--out", ZipVisualizer.RenderPng(tiles));
        var first = tiles[0];
        string kept = encoded.Zip is null ? $"{encoded.Reduction!.OutputTokens} pooled" : $"{first.KeptIndices.Count} dominant + {first.ContextualGroups} contextual";
        context.Output.WriteLine(
            $"{first.Grid.Tokens} encoder tokens \u2192 {encoded.Reduction!.OutputTokens} ({kept}){(tiles.Count > 1 ? $" per tile, {tiles.Count} tiles" : "")}; wrote {outPath}");
        return 0;
    }

    /// <summary>The picture of every tile of an encoded (reduced) image.</summary>
    public static IReadOnlyList<ZipVisualization> Build(VisionLanguageModel model, RgbImage image, EncodedImage encoded, string title)
    {
        var reduction = encoded.Reduction ?? throw new CliUsageException("visualize needs a reduction (not --no-zip)");
        var tower = model.VisionTower;
        var grid = PatchGrid.Square(tower.Config.ImageSize, tower.Config.PatchSize, tower.HasCls);
        var tileImages = model.ImageLayout.TileImages(image, encoded.Mode);
        var pictures = new List<ZipVisualization>();
        using var scope = NewDisposeScope();
        for (int tile = 0; tile < encoded.Tiles; tile++)
        {
            string tileTitle = encoded.Tiles == 1 ? title : $"{title} \u2014 tile {tile} ({(tile == 0 ? "base image" : $"crop {tile}")})";
            pictures.Add(FromReduction(tileImages[tile], grid, reduction, tile, tower.HasCls, tower.FeatureHiddenStateIndex, tileTitle));
        }

        return pictures;
    }

    /// <summary>The picture of one tile (batch row <paramref name="row"/> of the reduction).</summary>
    public static ZipVisualization FromReduction(RgbImage prepared, PatchGrid grid, TokenReduction reduction, int row, bool hasCls, int hiddenStateIndex, string title)
    {
        using var scope = NewDisposeScope();
        if (reduction is ZipResult zip)
        {
            long[] kept = Longs(zip.KeptIndices[row]);
            long[] assignment = Longs(zip.Assignment[row]);
            long[] targets = Longs(zip.ContextualTargets[row]);
            float[] scores = zip.Scores[row].to(ScalarType.Float32, CPU).data<float>().ToArray();
            string label = hasCls ? "CLS attention, summed over heads" : "mean attention received";
            return new ZipVisualization(prepared.Pixels.ToArray(), prepared.Width, prepared.Height, grid, kept, assignment, scores,
                $"{label}, layer {hiddenStateIndex - 1}", title, targets);
        }

        // Any other reducer: each input token coloured by the (first) output token it fed; no attention map.
        var membership = reduction.Membership()[row].to(ScalarType.Int64);                  // [T, N]
        var fed = membership.sum(dim: 0);                                                    // [N]
        var group = membership.argmax(0).masked_fill(fed.eq(0), -1);                         // [N]: first output fed, -1 none
        long[] groups = Longs(group);
        return new ZipVisualization(prepared.Pixels.ToArray(), prepared.Width, prepared.Height, grid, [], groups, new float[groups.Length],
            "no attention statistic (this reducer reads none)", title, [], reduction switch
            {
                PooledTokens pooled => $"pool {pooled.Rows}\u00d7{pooled.Cols}",
                _ => reduction.GetType().Name,
            });
    }

    private static long[] Longs(Tensor tensor) => tensor.to(ScalarType.Int64, CPU).data<long>().ToArray();
}
