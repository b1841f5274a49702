using System.CommandLine;
using VisionZip.Cli.Bench;
using VisionZip.Cli.Infrastructure;
using VisionZip.Cli.Options;
using VisionZip.Models;
using VisionZip.Models.Performance;

namespace VisionZip.Cli.Commands;

/// <summary>
/// <c>visionzip bench</c>: image file to first token (and decode speed), vanilla against reduced budgets, on a checkpoint
/// or a synthetic random-weight geometry, with the FLOP model's bound and the machine's limits measured in the same process.
/// </summary>
internal sealed class BenchCommand
{
    private readonly CliContext _context;
    private readonly Option<string?> _model = new("--model") { Description = "A llava-hf checkpoint directory.", HelpName = "DIR" };
    private readonly Option<string?> _synthetic = new("--synthetic")
    {
        Description = $"A random-weight checkpoint of a real geometry, written once to ~/.cache/visionzip/synthetic: {string.Join(" | ", SyntheticCheckpoint.Names)}.",
        HelpName = "NAME",
    };

    private readonly Option<int?> _llmLayers = new Option<int?>("--llm-layers")
    {
        Description = "With --synthetic: language-model layers to write and run (default: the model's full depth; every layer costs the same).",
        HelpName = "N",
    }.Integer().AtLeast(1);

    private readonly Option<string> _dtype = CommonOptions.Choice<string>("--dtype", "Compute dtype.", ["fp32", "bf16"], defaultValue: "bf16");
    private readonly Option<string> _weights = CommonOptions.Choice<string>("--weights", "Language-model projection weights: as the dtype, or weight-only int8.", ["dtype", "int8"], defaultValue: "dtype");
    private readonly Option<string[]> _budgets = new("--budget")
    {
        Description = "Reduced configuration, dominant+contextual per tile (repeatable). Default: the paper's, 54+10 108+20 162+30 (LLaVA-1.5: 64/128/192 tokens) or 27+5 54+10 108+20 per tile (LLaVA-NeXT: 160/320/640 over 5 crops).",
        HelpName = "D+C",
        AllowMultipleArgumentsPerToken = false,
    };

    private readonly Option<string> _reducer = new("--reducer")
    {
        Description = $"Reducer: {string.Join(" | ", VisualTokenReducers.Names)}.",
        HelpName = "NAME",
        DefaultValueFactory = _ => VisualTokenReducers.VisionZip,
    };

    private readonly Option<string?> _image = new("--image") { Description = "Photo to encode (default: the bundled demo photo).", HelpName = "FILE" };
    private readonly Option<int> _runs = new Option<int>("--runs") { Description = "Timed rounds.", HelpName = "N", DefaultValueFactory = _ => 3 }.Integer().AtLeast(1);
    private readonly Option<int> _warmup = new Option<int>("--warmup") { Description = "Untimed rounds first.", HelpName = "N", DefaultValueFactory = _ => 1 }.Integer().AtLeast(0);
    private readonly Option<int> _decodeTokens = new Option<int>("--decode-tokens")
    {
        Description = "Greedy decode steps timed after each prefill (0 = none).",
        HelpName = "N",
        DefaultValueFactory = _ => 16,
    }.Integer().AtLeast(0);

    private readonly Option<int> _textTokens = new Option<int>("--text-tokens")
    {
        Description = "Text tokens of the prompt when the checkpoint has no tokenizer (synthetic).",
        HelpName = "N",
        DefaultValueFactory = _ => 40,
    }.Integer().AtLeast(2);

    private readonly Option<int?> _threads = new Option<int?>("--threads") { Description = "torch intra-op threads (default: torch's).", HelpName = "N" }.Integer().AtLeast(1);
    private readonly Option<bool> _json = new("--json") { Description = "Print one JSON object (limits, runs, speedups) instead of tables." };
    private readonly Option<string?> _jsonOut = new("--json-out") { Description = "Also write the JSON object to FILE (tables still printed).", HelpName = "FILE" };
    private readonly Option<bool> _noLimits = new("--no-limits") { Description = "Skip measuring matmul throughput and memory bandwidth." };
    private readonly Option<string?> _plot = new("--plot")
    {
        Description = "Write FILE.png (time to first token vs visual tokens, with the FLOP model) and FILE-stages.png (stage breakdown).",
        HelpName = "FILE.png",
    };

    private readonly Option<string[]> _adapters = CommonOptions.ProjectorAdapter();

    /// <summary>Creates the command bound to <paramref name="context"/>.</summary>
    public BenchCommand(CliContext context)
    {
        _context = context;
        Command = new Command("bench", "Time image-to-first-token and decode, vanilla vs reduced, against the FLOP model and this machine's limits.");
        foreach (var option in new Option[] { _model, _synthetic, _llmLayers, _dtype, _weights, _budgets, _reducer, _image, _runs, _warmup, _decodeTokens, _textTokens, _threads, _json, _jsonOut, _noLimits, _plot, _adapters })
        {
            Command.Options.Add(option);
        }

        Command.SetAction(Run);
    }

    /// <summary>The System.CommandLine command.</summary>
    public Command Command { get; }

    private int Run(ParseResult parse)
    {
        string? model = parse.GetValue(_model);
        string? synthetic = parse.GetValue(_synthetic);
        if ((model is null) == (synthetic is null))
        {
            throw new CliUsageException("give exactly one of --model DIR and --synthetic NAME");
        }

        int? layers = parse.GetValue(_llmLayers);
        if (synthetic is not null)
        {
            SyntheticGeometry geometry;
            try
            {
                geometry = SyntheticGeometry.Find(synthetic);
            }
            catch (ArgumentException e)
            {
                throw new CliUsageException($"--synthetic: {CliApp.OneLine(e.Message)}");
            }

            if (layers > geometry.Cost.Decoder.Layers)
            {
                throw new CliUsageException($"--llm-layers {layers}: {geometry.Name} has {geometry.Cost.Decoder.Layers} language-model layers");
            }
        }
        else if (layers is not null)
        {
            throw new CliUsageException("--llm-layers goes with --synthetic");
        }

        string? plot = parse.GetValue(_plot) is { } p ? AtomicFile.CheckWritable(p, "--plot") : null;
        if (plot is not null)
        {
            AtomicFile.CheckWritable(BenchPlot.StagesPath(plot), "--plot");
        }

        string? jsonOut = parse.GetValue(_jsonOut) is { } j ? AtomicFile.CheckWritable(j, "--json-out") : null;
        string image = parse.GetValue(_image) is { } i
            ? InputFile.Existing(i, "--image")
            : InputFile.Existing(Path.Combine(AppContext.BaseDirectory, DemoCommand.BundledImage), "bundled image");
        var budgets = new List<ZipBudget>();
        foreach (string text in parse.GetValue(_budgets) ?? [])
        {
            try
            {
                budgets.Add(ZipBudget.Parse(text));
            }
            catch (Exception e) when (e is FormatException or ArgumentException)
            {
                throw new CliUsageException($"--budget {text}: {CliApp.OneLine(e.Message)}");
            }
        }

        string reducer = parse.GetValue(_reducer)!;
        if (!VisualTokenReducers.Names.Contains(reducer, StringComparer.Ordinal))
        {
            throw new CliUsageException($"--reducer must be one of {string.Join(", ", VisualTokenReducers.Names)} (got '{reducer}')");
        }

        var adapters = (parse.GetValue(_adapters) ?? []).Select(a => InputFile.Existing(a, "--projector-adapter")).ToList();
        var checkpoint = model is not null
            ? ModelDirectory.Open(model)
            : ModelDirectory.Open(_context.Status($"Writing synthetic checkpoint {synthetic} (once; cached)", () => SyntheticCheckpoint.Ensure(synthetic!, layers)));
        if (!checkpoint.Kind.IsLlava())
        {
            // Checked from config.json, before any weight is loaded.
            throw new CliException($"--model {checkpoint.Path}: bench needs a llava-hf checkpoint (image to first token); this is '{checkpoint.ModelType}'");
        }

        if (budgets.Count == 0)
        {
            budgets.AddRange(checkpoint.Kind == VisionZip.Models.CheckpointKind.LlavaNext
                ? [ZipPresets.LlavaNext160, ZipPresets.LlavaNext320, ZipPresets.LlavaNext640]
                : [ZipPresets.Llava15_64, ZipPresets.Llava15_128, ZipPresets.Llava15_192]);
        }

        if (parse.GetValue(_threads) is int threads)
        {
            TorchSharp.torch.set_num_threads(threads);
        }

        var request = new BenchRequest(checkpoint, synthetic, ComputeSettings.Resolve(parse.GetValue(_dtype)!, "cpu"), parse.GetValue(_weights) == "int8",
            budgets, reducer, image, parse.GetValue(_runs), parse.GetValue(_warmup), parse.GetValue(_decodeTokens), parse.GetValue(_textTokens),
            parse.GetValue(_json), jsonOut, plot, adapters, !parse.GetValue(_noLimits));
        return BenchPipeline.Run(_context, request);
    }
}
