using VisionZip.Models;
using Spectre.Console;
using TorchSharp;
using VisionZip.Cli.Infrastructure;
using VisionZip.Cli.Options;
using VisionZip.Cli.Reporting;
using VisionZip.Cli.Visualization;
using VisionZip.Models.Generation;
using VisionZip.Models.Imaging;
using VisionZip.Models.Language;
using VisionZip.Models.Llava;
using static TorchSharp.torch;

namespace VisionZip.Cli.Pipelines;

/// <summary>
/// <c>demo</c>: one photo through a llava-hf checkpoint twice in the same process, vanilla and VisionZip 54+10:
/// visual tokens, prompt length, prefill time, KV cache and the generated tokens side by side, plus the picture.
/// </summary>
public static class DemoPipeline
{
    /// <summary>The question asked about the photo.</summary>
    public const string Question = "What is shown in this image?";

    private const int Repeats = 5;

    /// <summary>Runs the demo; returns the exit code.</summary>
    public static int Run(CliContext context, ModelDirectory model, bool bundled, string imagePath, string outPath, int maxNewTokens)
    {
        using VisionLanguageModel pipeline = context.Status("Loading model", () => ModelLoader.Load(model, ComputeSettings.Resolve("fp32", "cpu")));
        var zipOptions = ZipChoice.Default.ToOptions(pipeline, ImageMode.Default);
        ZipBudget budget = pipeline.DefaultBudget;
        // Only the image shipped with the tool is "the bundled image"; a user's --image is named as theirs.
        bool bundledImage = string.Equals(Path.GetFullPath(imagePath), Path.Combine(AppContext.BaseDirectory, Commands.DemoCommand.BundledImage),
            StringComparison.Ordinal);
        RgbImage photo = ModelLoader.Decode(imagePath, bundledImage ? "bundled image" : "--image");
        long[] ids = pipeline.PromptIds(Question, imageCount: 1);
        pipeline.EncodeImage(photo, zipOptions).Dispose();                      // warm-up, so both timings below are steady-state
        using EncodedImage vanilla = pipeline.EncodeImage(photo, ImageEncodeOptions.Vanilla);
        using EncodedImage zipped = pipeline.EncodeImage(photo, zipOptions);

        var ((vanillaPrefill, vanillaCache), (zippedPrefill, zippedCache)) =
            context.Status("Timing prefill", () => TimePrefills(pipeline, ids, vanilla, zipped));
        var options = pipeline.DefaultGenerationOptions with { DoSample = false, MaxNewTokens = maxNewTokens };
        LlavaAnswer vanillaAnswer = pipeline.Generate(ids, [vanilla], options);
        LlavaAnswer zippedAnswer = pipeline.Generate(ids, [zipped], options);

        var pictures = VisualizePipeline.Build(pipeline, photo, zipped,
            $"{Path.GetFileName(imagePath)} \u2014 {(bundled ? "bundled tiny random-weight LLaVA-1.5-shaped model" : model.Path)}");
        AtomicFile.WriteAllBytes(outPath, "--out", ZipVisualizer.RenderPng(pictures));

        var table = new Table().Border(TableBorder.Rounded).Title("VisionZip demo: same photo, same process")
            .AddColumn("").AddColumn(new TableColumn("vanilla LLaVA").RightAligned()).AddColumn(new TableColumn($"VisionZip {budget}{(zipped.Tiles > 1 ? " per tile" : "")}").RightAligned());
        table.AddRow("visual tokens", $"{vanilla.TokenCount}", $"[bold]{zipped.TokenCount}[/]");
        table.AddRow("LLM prompt tokens", $"{ids.Length - 1 + vanilla.TokenCount}", $"{ids.Length - 1 + zipped.TokenCount}");
        table.AddRow($"prefill (median of {Repeats})", Formats.Milliseconds(vanillaPrefill),
            $"[bold]{Formats.Milliseconds(zippedPrefill)}[/] ({Formats.Ratio(vanillaPrefill.TotalMilliseconds / Math.Max(1e-9, zippedPrefill.TotalMilliseconds))} faster)");
        table.AddRow("KV cache after prefill", Formats.Bytes(vanillaCache), Formats.Bytes(zippedCache));
        table.AddRow("vision tower (+ zip)", Formats.Milliseconds(vanilla.Stats.Total), Formats.Milliseconds(zipped.Stats.Total));
        table.AddRow("generated token ids", Markup.Escape(string.Join(" ", vanillaAnswer.Tokens)), Markup.Escape(string.Join(" ", zippedAnswer.Tokens)));
        table.AddRow("generated text", Markup.Escape(Quote(vanillaAnswer.Text)), Markup.Escape(Quote(zippedAnswer.Text)));
        context.Console.Write(table);

        context.Output.WriteLine($"Prompt: \"{Question}\" + {Path.GetFileName(imagePath)}; greedy, {maxNewTokens} new tokens.");
        context.Output.WriteLine($"Wrote {outPath}: the kept tokens on the image and the attention map they come from.");
        if (bundled)
        {
            context.Output.WriteLine(
                "Note: the bundled model has RANDOM weights at real LLaVA-1.5 geometry (336 px, 24x24 patches, 576 visual tokens) " +
                "but tiny widths, so its text is meaningless and its timings are small; the token counts are the real ones.");
            context.Output.WriteLine(
                "For real answers point --model at a llava-hf directory, e.g. llava-hf/llava-1.5-7b-hf downloaded with " +
                "'huggingface-cli download llava-hf/llava-1.5-7b-hf --local-dir llava-1.5-7b-hf', then: visionzip demo --model llava-1.5-7b-hf");
        }

        return 0;
    }

    // Median LLM prefill time of the prompt with each image, each run on a fresh cache, after one warm-up run; the two
    // variants alternate so that both see the same machine load.
    private static ((TimeSpan Median, long CacheBytes) Vanilla, (TimeSpan Median, long CacheBytes) Zipped) TimePrefills(
        VisionLanguageModel pipeline, long[] ids, EncodedImage vanilla, EncodedImage zipped)
    {
        var times = new[] { new List<TimeSpan>(), new List<TimeSpan>() };
        var bytes = new long[2];
        for (int run = 0; run <= Repeats; run++)
        {
            for (int variant = 0; variant < 2; variant++)
            {
                using KvCache cache = pipeline.LanguageModel.CreateCache();
                using PrefillResult result = pipeline.Prefill(ids, [variant == 0 ? vanilla : zipped], cache);
                if (run > 0)
                {
                    times[variant].Add(result.Elapsed);
                }

                bytes[variant] = cache.Capacity == 0 ? 0 : cache.SizeInBytes * cache.Length / cache.Capacity;
            }
        }

        return ((Median(times[0]), bytes[0]), (Median(times[1]), bytes[1]));
    }

    private static TimeSpan Median(List<TimeSpan> times)
    {
        times.Sort();
        return times[times.Count / 2];
    }

    // Random weights emit byte-fallback pieces (lone UTF-8 bytes, control characters): show them as '?' so the table stays aligned.
    private static string Quote(string text) =>
        "\"" + new string([.. text.ReplaceLineEndings(" ").Select(c => c == '\uFFFD' || char.IsControl(c) || char.IsSurrogate(c) ? '?' : c)]) + "\"";
}
