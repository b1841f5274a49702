using Spectre.Console;
using TorchSharp;
using VisionZip.Cli.Commands;
using VisionZip.Cli.Infrastructure;
using VisionZip.Cli.Reporting;
using VisionZip.Models.IO;
using VisionZip.Models.Imaging;
using VisionZip.Models.Vision;
using static TorchSharp.torch;

namespace VisionZip.Cli.Pipelines;

/// <summary><c>encode</c>: decode -> preprocess -> encoder -> [zip] -> [projector] -> safetensors + a table of counts and times.</summary>
public static class EncodePipeline
{
    /// <summary>Runs the request; returns the exit code.</summary>
    public static int Run(CliContext context, EncodeRequest request)
    {
        using var session = context.Status("Loading model", () => VisionSession.Load(request.Model, request.Compute, withProjector: true));
        var timer = new StageTimer();
        using var noGrad = torch.no_grad();
        using var scope = NewDisposeScope();

        RgbImage image = timer.Time("decode", () => VisionSession.Decode(request.ImagePath));
        ImageMode mode = VisionSession.Mode(request.ImageMode);
        Tensor pixels = timer.Time("preprocess", () => session.Processor.Preprocess(image, mode));     // [1, 3, S, S] float32
        int tokensBefore = session.Tower.VanillaTokenCount;

        Tensor visual;                                                                                 // [1, T, Dv]
        Tensor? kept = null;                                                                           // [1, dominant]
        if (request.Zip.Enabled)
        {
            request.Zip.CheckAgainst(session.Tower.Config.NumPositions, session.Tower.HasCls);
            var reducer = new VisionZipReducer(new ZipBudget(request.Zip.Dominant, request.Zip.Contextual));
            timer.Mark();
            using var zip = session.Tower.EncodeReduced(pixels, reducer, stage => timer.Lap(stage == VisionStage.Encoder ? "encoder" : "zip"));
            visual = zip.Tokens.to(ScalarType.Float32, CPU).clone();
            kept = zip.KeptIndices!.to(ScalarType.Int64, CPU).clone();
        }
        else
        {
            visual = timer.Time("encoder", () => session.Tower.EncodeVanilla(pixels)).to(ScalarType.Float32, CPU);
        }

        Tensor? projected = null;                                                                      // [1, T, Dtext]
        if (session.Projector is { } projector)
        {
            projected = timer.Time("projector", () => projector.forward(visual.to(projector.DType, projector.Device))).to(ScalarType.Float32, CPU);
        }

        var tensors = new List<KeyValuePair<string, Tensor>>
        {
            new("pixel_values", pixels.to(ScalarType.Float32, CPU)),
            new("visual_tokens", visual),
        };
        if (kept is not null)
        {
            tensors.Add(new("kept_indices", kept));
        }

        if (projected is not null)
        {
            tensors.Add(new("projected_tokens", projected));
        }

        var metadata = new Dictionary<string, string>
        {
            ["format"] = "pt",
            ["producer"] = "visionzip encode",
            ["model"] = request.Model.Path,
            ["image"] = request.ImagePath,
            ["image_mode"] = session.ResolvedModeName(request.ImageMode),
            ["visionzip"] = request.Zip.ToString(),
        };
        AtomicFile.Write(request.OutPath, "--out", temporary => SafetensorsWriter.Write(temporary, tensors, metadata));

        int tokensAfter = (int)visual.shape[1];
        Report(context, request, session, image, tokensBefore, tokensAfter, timer, projected is not null);
        return 0;
    }

    private static void Report(CliContext context, EncodeRequest request, VisionSession session, RgbImage image,
        int before, int after, StageTimer timer, bool projected)
    {
        var summary = new Table().Border(TableBorder.Rounded).HideHeaders().AddColumn("what").AddColumn("value");
        summary.AddRow("model", Markup.Escape($"{request.Model.ModelType}: {session.Describe()}"));
        summary.AddRow("image", Markup.Escape($"{Path.GetFileName(request.ImagePath)} {image.Width}\u00d7{image.Height}, mode {session.ResolvedModeName(request.ImageMode)}"));
        string zip = request.Zip.Enabled
            ? $"{before} \u2192 {after}  ({request.Zip.Dominant} dominant + {request.Zip.Contextual} contextual{(request.Zip.IsDefault ? ", LLaVA-1.5 64-token preset" : "")})"
            : $"{before} \u2192 {after}  (--no-zip)";
        summary.AddRow("visual tokens", Markup.Escape(zip));
        summary.AddRow("compute", Markup.Escape(request.Compute.ToString()));
        summary.AddRow("written", Markup.Escape(request.OutPath));

        var stages = new Table().Border(TableBorder.Rounded).AddColumn("stage").AddColumn(new TableColumn("time").RightAligned());
        foreach (string stage in new[] { "decode", "preprocess", "encoder", "zip", "projector" })
        {
            bool ran = timer.Stages.Any(s => s.Stage == stage);
            string note = stage switch
            {
                "zip" when !request.Zip.Enabled => "- (--no-zip)",
                "projector" when !projected => "- (no projector in this checkpoint)",
                _ => "-",
            };
            stages.AddRow(stage, ran ? Formats.Milliseconds(timer[stage]) : note);
        }

        stages.AddRow("[bold]total[/]", $"[bold]{Formats.Milliseconds(timer.Total)}[/]");
        context.Console.Write(summary);
        context.Console.Write(stages);
    }
}
