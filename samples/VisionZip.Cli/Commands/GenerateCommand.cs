using System.CommandLine;
using VisionZip.Models;
using VisionZip.Cli.Infrastructure;
using VisionZip.Cli.Options;
using VisionZip.Cli.Pipelines;

namespace VisionZip.Cli.Commands;

/// <summary><c>visionzip generate</c>: one answer from a llava-hf model (with images) or a bare decoder, streamed to stdout.</summary>
public sealed class GenerateCommand
{
    private readonly CliContext _context;
    private readonly Option<string> _model = CommonOptions.Model("llava-hf checkpoint directory, or a bare LLaMA / Mistral / Qwen2 directory.");
    private readonly Option<string[]> _images = new("--image")
    {
        Description = "Image file, one per <image> in the prompt (repeatable).",
        HelpName = "FILE",
        Arity = ArgumentArity.OneOrMore,
        AllowMultipleArgumentsPerToken = false,
    };

    private readonly Option<string?> _prompt = new("--prompt")
    {
        Description = "The question; wrapped by the checkpoint's chat template with one <image> per --image.",
        HelpName = "TEXT",
    };

    private readonly Option<bool> _raw = new("--raw") { Description = "--prompt is the whole prompt, <image> placeholders included (no template)." };
    private readonly Option<string?> _inputIds = new("--input-ids")
    {
        Description = "Prompt token ids, comma-separated (e.g. 1,5,9): for a decoder without tokenizer files. On llava-hf, one image token id per --image.",
        HelpName = "LIST",
    };

    private readonly DecodingOptions _generation = new(defaultMaxNewTokens: 64);
    private readonly ZipOptions _zip = new(allowNoZip: true);
    private readonly Option<string?> _imageMode = CommonOptions.ImageMode();
    private readonly Option<string> _dtype = CommonOptions.DType();
    private readonly Option<string> _device = CommonOptions.Device();
    private readonly Option<bool> _json = new("--json")
    {
        Description = "Print one JSON object (text, token ids, visual token counts, prefill time, decode speed, KV cache size) instead of streaming.",
    };

    private readonly Option<string?> _logitsOut = new("--logits-out")
    {
        Description = "Also write input_ids, prefill_logits, step_logits and generated_ids to this .safetensors file.",
        HelpName = "FILE",
    };

    /// <summary>Creates the command bound to <paramref name="context"/>.</summary>
    public GenerateCommand(CliContext context)
    {
        _context = context;
        Command = new Command("generate", "Generate an answer (streamed to stdout) for a prompt and optional images.");
        Command.Options.Add(_model);
        Command.Options.Add(_images);
        Command.Options.Add(_prompt);
        Command.Options.Add(_raw);
        Command.Options.Add(_inputIds);
        _generation.AddTo(Command);
        _zip.AddTo(Command);
        Command.Options.Add(_imageMode);
        Command.Options.Add(_dtype);
        Command.Options.Add(_device);
        Command.Options.Add(_json);
        Command.Options.Add(_logitsOut);
        Command.SetAction(Run);
    }

    /// <summary>The System.CommandLine command.</summary>
    public Command Command { get; }

    private int Run(ParseResult parse)
    {
        string? prompt = parse.GetValue(_prompt);
        string? idsText = parse.GetValue(_inputIds);
        bool raw = parse.GetValue(_raw);
        if (prompt is null && idsText is null)
        {
            throw new CliUsageException("give --prompt TEXT or --input-ids LIST");
        }

        if (prompt is not null && idsText is not null)
        {
            throw new CliUsageException("--prompt and --input-ids cannot be combined (choose one)");
        }

        if (raw && prompt is null)
        {
            throw new CliUsageException("--raw needs --prompt (it marks --prompt as the whole prompt)");
        }

        long[]? inputIds = idsText is null ? null : TokenIdList.Parse(idsText);
        SamplingChoice sampling = _generation.ResolveSampling(parse);
        IReadOnlyList<string> stops = _generation.ResolveStops(parse);
        ZipChoice zip = _zip.Resolve(parse);
        string? logitsOut = parse.GetValue(_logitsOut) is string path ? AtomicFile.CheckWritable(path, "--logits-out") : null;

        ModelDirectory model = ModelDirectory.Open(parse.GetValue(_model)!).RequireLanguageModel("generate");
        string[] imageArgs = parse.GetValue(_images) ?? [];
        if (model.Kind == CheckpointKind.Decoder)
        {
            if (imageArgs.Length > 0)
            {
                throw new CliUsageException($"--image: --model {model.Path} is a bare '{model.ModelType}' decoder without a vision tower; it takes no images");
            }

            if (parse.WasGiven(_zip.Dominant) || parse.WasGiven(_zip.Contextual) || parse.WasGiven(_zip.Reducer) || (_zip.NoZip is not null && parse.WasGiven(_zip.NoZip)) || parse.WasGiven(_imageMode))
            {
                throw new CliUsageException($"--dominant/--contextual/--reducer/--no-zip/--image-mode: --model {model.Path} is a bare '{model.ModelType}' decoder without images");
            }
        }

        var images = imageArgs.Select(image => InputFile.Existing(image, "--image")).ToList();
        ComputeSettings compute = ComputeSettings.Resolve(parse.GetValue(_dtype)!, parse.GetValue(_device)!);
        var request = new GenerateRequest(
            model, images, prompt, raw, inputIds, parse.GetValue(_generation.MaxNewTokens), sampling, stops, zip,
            parse.GetValue(_imageMode), compute, parse.GetValue(_json), logitsOut);
        return GeneratePipeline.Run(_context, request);
    }
}
