using System.CommandLine;
using VisionZip.Models;
using VisionZip.Cli.Infrastructure;
using VisionZip.Cli.Options;
using VisionZip.Cli.Pipelines;
using VisionZip.Models.Tuning;

namespace VisionZip.Cli.Commands;

/// <summary>
/// <c>visionzip tune</c>: VisionZip‡ by self-distillation: tunes only the projector of a LLaVA checkpoint so its reduced
/// visual tokens answer like all of them, on the user's own images, without labels; writes an adapter file.
/// </summary>
internal sealed class TuneCommand
{
    private readonly CliContext _context;
    private readonly Option<string> _model = CommonOptions.Model("llava-hf checkpoint directory (LLaVA-1.5 or LLaVA-Interleave).");
    private readonly Option<string> _images = new("--images")
    {
        Description = "A directory of images (png, jpg, jpeg, webp, gif, bmp), or a .jsonl file of {\"image\": PATH, \"question\": TEXT, \"answer\": TEXT?} lines (paths relative to the file).",
        HelpName = "DIR|FILE.jsonl",
        Required = true,
    };

    private readonly Option<string[]> _questions = new("--question")
    {
        Description = "Instruction(s) asked about every image of a directory (repeatable; default: three generic ones).",
        HelpName = "TEXT",
        AllowMultipleArgumentsPerToken = false,
    };

    private readonly Option<string> _budget = new("--budget") { Description = "The student's budget per image, dominant+contextual.", HelpName = "D+C", DefaultValueFactory = _ => "54+10" };
    private readonly Option<string> _reducer = new("--reducer") { Description = "The student's reducer (visionzip or pool).", DefaultValueFactory = _ => "visionzip" };
    private readonly Option<int> _steps = new Option<int>("--steps") { Description = "Optimizer steps.", DefaultValueFactory = _ => 200 }.AtLeast(1);
    private readonly Option<double> _learningRate = new Option<double>("--lr") { Description = "Peak AdamW learning rate.", DefaultValueFactory = _ => 2e-4 }.AtLeast(0, exclusive: true);
    private readonly Option<int> _warmup = new Option<int>("--warmup") { Description = "Linear warm-up steps before cosine decay.", DefaultValueFactory = _ => 10 }.AtLeast(0);
    private readonly Option<int> _accumulate = new Option<int>("--accumulate") { Description = "Examples per optimizer step (gradient accumulation).", DefaultValueFactory = _ => 1 }.AtLeast(1);
    private readonly Option<int> _answerTokens = new Option<int>("--answer-tokens") { Description = "Teacher answer tokens distilled per example (K).", DefaultValueFactory = _ => 8 }.AtLeast(1);
    private readonly Option<double> _crossEntropy = new Option<double>("--ce-weight") { Description = "Weight of cross-entropy on answers given in the .jsonl (0 = KL only).", DefaultValueFactory = _ => 0.0 }.AtLeast(0);
    private readonly Option<double> _heldOut = new Option<double>("--heldout") { Description = "Share of examples held out for evaluation.", DefaultValueFactory = _ => 0.25 };
    private readonly Option<int> _evaluateEvery = new Option<int>("--eval-every") { Description = "Evaluate the held-out examples every N steps (0 = start and end).", DefaultValueFactory = _ => 50 }.AtLeast(0);
    private readonly Option<long> _seed = new("--seed") { Description = "Seed of the split and the example order.", DefaultValueFactory = _ => 1 };
    private readonly Option<string> _out = CommonOptions.Out("Adapter file to write (.safetensors): the projector tensors plus metadata.");
    private readonly Option<string?> _checkpoint = new("--checkpoint")
    {
        Description = "Resumable state file: resumed from when it exists, saved every --save-every steps and on Ctrl-C.",
        HelpName = "FILE",
    };

    private readonly Option<int> _saveEvery = new Option<int>("--save-every") { Description = "Save --checkpoint every N steps (0 = only at the end or on Ctrl-C).", DefaultValueFactory = _ => 50 }.AtLeast(0);
    private readonly Option<string> _dtype = CommonOptions.DType();
    private readonly Option<string> _device = CommonOptions.Device();
    private readonly Option<bool> _json = new("--json") { Description = "Print one JSON object at the end (steps, held-out KL and agreement before/after) instead of progress." };

    /// <summary>Creates the command bound to <paramref name="context"/>.</summary>
    public TuneCommand(CliContext context)
    {
        _context = context;
        Command = new Command("tune", "Tune the projector to the reduced tokens by self-distillation (VisionZip\u2021, no labels needed); writes an adapter.");
        foreach (Option option in new Option[] { _model, _images, _questions, _budget, _reducer, _steps, _learningRate, _warmup, _accumulate,
            _answerTokens, _crossEntropy, _heldOut, _evaluateEvery, _seed, _out, _checkpoint, _saveEvery, _dtype, _device, _json })
        {
            Command.Options.Add(option);
        }

        Command.SetAction(Run);
    }

    /// <summary>The System.CommandLine command.</summary>
    public Command Command { get; }

    private int Run(ParseResult parse)
    {
        ModelDirectory model = ModelDirectory.Open(parse.GetValue(_model)!).RequireLanguageModel("tune");
        if (model.Kind is not (CheckpointKind.Llava15 or CheckpointKind.LlavaInterleave))
        {
            throw new CliException($"--model {model.Path}: 'tune' needs a single-tile llava-hf directory (LLaVA-1.5 or LLaVA-Interleave); this is '{model.ModelType}'");
        }

        ZipBudget budget;
        try
        {
            budget = ZipBudget.Parse(parse.GetValue(_budget)!);
        }
        catch (FormatException e)
        {
            throw new CliUsageException($"--budget: {e.Message}");
        }

        string reducer = parse.GetValue(_reducer)!;
        if (!VisualTokenReducers.Names.Contains(reducer, StringComparer.OrdinalIgnoreCase))
        {
            throw new CliUsageException($"--reducer must be one of {string.Join(", ", VisualTokenReducers.Names)} (got '{reducer}')");
        }

        var options = new ProjectorTuningOptions
        {
            Budget = budget,
            Reducer = reducer,
            Steps = parse.GetValue(_steps),
            LearningRate = parse.GetValue(_learningRate),
            WarmupSteps = parse.GetValue(_warmup),
            GradientAccumulation = parse.GetValue(_accumulate),
            AnswerTokens = parse.GetValue(_answerTokens),
            CrossEntropyWeight = parse.GetValue(_crossEntropy),
            HeldOutFraction = parse.GetValue(_heldOut),
            EvaluateEvery = parse.GetValue(_evaluateEvery),
            Seed = parse.GetValue(_seed),
        };
        try
        {
            options.Validate();
        }
        catch (ArgumentException e)
        {
            throw new CliUsageException($"tune: {e.Message}");
        }

        string outPath = AtomicFile.CheckWritable(parse.GetValue(_out)!, "--out");
        string? checkpoint = parse.GetValue(_checkpoint) is string path ? AtomicFile.CheckWritable(path, "--checkpoint") : null;
        var examples = TuningInputs.Read(parse.GetValue(_images)!, parse.GetValue(_questions) ?? []);
        ComputeSettings compute = ComputeSettings.Resolve(parse.GetValue(_dtype)!, parse.GetValue(_device)!);
        var request = new TuneRequest(model, examples, options, outPath, checkpoint, parse.GetValue(_saveEvery), compute, parse.GetValue(_json));
        return TunePipeline.Run(_context, request);
    }
}

/// <summary>A checked <c>tune</c> invocation.</summary>
internal sealed record TuneRequest(
    ModelDirectory Model,
    IReadOnlyList<TuningExample> Examples,
    ProjectorTuningOptions Options,
    string OutPath,
    string? CheckpointPath,
    int SaveEvery,
    ComputeSettings Compute,
    bool Json);
