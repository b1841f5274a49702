using System.Diagnostics;
using Spectre.Console;
using VisionZip.Cli.Commands;
using VisionZip.Cli.Infrastructure;
using VisionZip.Cli.Reporting;
using VisionZip.Models;
using VisionZip.Models.IO;
using VisionZip.Models.Imaging;
using VisionZip.Models.Llava;
using static TorchSharp.torch;

namespace VisionZip.Cli.Pipelines;

/// <summary>
/// <c>encode</c>: decode, then the library's one encode path (tiles -> encoder -> reducer -> projector), then safetensors
/// and a table of counts and times. Single-tile models write <c>[1, ...]</c> tensors; LLaVA-NeXT writes every tile and the
/// packed rows exactly as the LLM receives them.
/// </summary>
internal static class EncodePipeline
{
    /// <summary>Runs the request; returns the exit code.</summary>
    public static int Run(CliContext context, EncodeRequest request)
    {
        using var model = context.Status("Loading model", () => ModelLoader.Load(request.Model, request.Compute, ModelParts.Vision));
        var options = request.Zip.ToOptions(model, ModelLoader.Mode(request.ImageMode), keepPixels: true);
        long start = Stopwatch.GetTimestamp();
        RgbImage image = ModelLoader.Decode(request.ImagePath);
        var decode = Stopwatch.GetElapsedTime(start);
        using EncodedImage encoded = model.EncodeImage(image, options);

        using var scope = NewDisposeScope();
        bool anyres = model.ImageLayout.Name == "anyres";
        var pixels = encoded.PixelValues!.to(ScalarType.Float32, CPU);                               // [tiles, 3, S, S]
        var tensors = new List<KeyValuePair<string, Tensor>>
        {
            new("pixel_values", anyres ? pixels.unsqueeze(0) : pixels),                               // [1, tiles, 3, S, S] | [1, 3, S, S]
            new("visual_tokens", encoded.ImageFeatures.to(ScalarType.Float32, CPU)),                  // [tiles, T, Dv]
        };
        if (encoded.Reduction?.KeptIndices is { } kept)
        {
            tensors.Add(new("kept_indices", kept.to(ScalarType.Int64, CPU)));                          // [tiles, dominant]
        }

        if (encoded.Projected is { } projected)
        {
            var rows = projected.to(ScalarType.Float32, CPU);                                         // [K, Dtext]
            tensors.Add(new("projected_tokens", anyres ? rows : rows.unsqueeze(0)));                  // anyres [K, D] | [1, K, D]
        }

        var metadata = new Dictionary<string, string>
        {
            ["format"] = "pt",
            ["producer"] = "visionzip encode",
            ["model"] = request.Model.Path,
            ["image"] = request.ImagePath,
            ["image_mode"] = ModelLoader.ResolvedModeName(model, request.ImageMode),
            ["visionzip"] = request.Zip.Enabled ? $"{request.Zip.Reducer} {request.Zip.BudgetFor(model)}" : "vanilla",
        };
        AtomicFile.Write(request.OutPath, "--out", temporary => SafetensorsWriter.Write(temporary, tensors, metadata));
        Report(context, request, model, image, encoded, decode);
        return 0;
    }

    private static void Report(CliContext context, EncodeRequest request, VisionLanguageModel model, RgbImage image, EncodedImage encoded, TimeSpan decode)
    {
        var summary = new Table().Border(TableBorder.Rounded).HideHeaders().AddColumn("what").AddColumn("value");
        summary.AddRow("model", Markup.Escape($"{request.Model.ModelType}: {ModelLoader.Describe(model)}"));
        summary.AddRow("image", Markup.Escape($"{Path.GetFileName(request.ImagePath)} {image.Width}\u00d7{image.Height}, mode {ModelLoader.ResolvedModeName(model, request.ImageMode)}" +
            (encoded.Tiles > 1 ? $", {encoded.Tiles} tiles" : "")));
        var stats = encoded.Stats;
        string reduction = !request.Zip.Enabled
            ? "(--no-zip)"
            : request.Zip.Reducer == VisualTokenReducers.VisionZip
                ? $"({request.Zip.BudgetFor(model).Dominant} dominant + {request.Zip.BudgetFor(model).Contextual} contextual{(encoded.Tiles > 1 ? " per tile" : "")}{(request.Zip.IsDefault ? ", the paper's preset for this model" : "")})"
                : $"({request.Zip.Reducer} to {request.Zip.BudgetFor(model).Total}{(encoded.Tiles > 1 ? " per tile" : "")})";
        summary.AddRow("visual tokens", Markup.Escape($"{stats.TokensBefore} \u2192 {encoded.TokenCount}  {reduction}"));
        summary.AddRow("compute", Markup.Escape(request.Compute.ToString()));
        summary.AddRow("written", Markup.Escape(request.OutPath));

        var stages = new Table().Border(TableBorder.Rounded).AddColumn("stage").AddColumn(new TableColumn("time").RightAligned());
        stages.AddRow("decode", Formats.Milliseconds(decode));
        stages.AddRow("preprocess", Formats.Milliseconds(stats.Preprocess));
        stages.AddRow("encoder", Formats.Milliseconds(stats.Vision));
        stages.AddRow("zip", request.Zip.Enabled ? Formats.Milliseconds(stats.Zip) : "- (--no-zip)");
        stages.AddRow("projector", encoded.Projected is null ? "- (no projector in this checkpoint)" : Formats.Milliseconds(stats.Projector));
        stages.AddRow("[bold]total[/]", $"[bold]{Formats.Milliseconds(decode + stats.Total)}[/]");
        context.Console.Write(summary);
        context.Console.Write(stages);
    }
}
