using System.CommandLine;
using VisionZip.Models;
using VisionZip.Cli.Infrastructure;
using VisionZip.Cli.Options;
using VisionZip.Cli.Pipelines;

namespace VisionZip.Cli.Commands;

/// <summary>
/// <c>visionzip chat</c>: multi-turn conversation on stdin/stdout with a kept KV cache; <c>/image FILE</c> adds an
/// image to the next turn, <c>/exit</c> (or end of input) leaves.
/// </summary>
public sealed class ChatCommand
{
    private readonly CliContext _context;
    private readonly Option<string> _model = CommonOptions.Model("llava-hf checkpoint directory (LLaVA-1.5, LLaVA-Interleave, LLaVA-NeXT).");
    private readonly Option<string> _image = CommonOptions.Image(required: false);
    private readonly DecodingOptions _generation = new(defaultMaxNewTokens: 256);
    private readonly ZipOptions _zip = new(allowNoZip: true);
    private readonly Option<string?> _imageMode = CommonOptions.ImageMode();
    private readonly Option<string> _dtype = CommonOptions.DType();
    private readonly Option<string> _device = CommonOptions.Device();
    private readonly Option<string> _contextPolicy = new("--context-policy")
    {
        Description = "When the context is full: 'drop-oldest' (drop the oldest turns, keep the system prompt, re-prefill the rest) or 'refuse' (report it and keep the conversation as it is; /reset starts over).",
        DefaultValueFactory = _ => "drop-oldest",
    };

    /// <summary>Creates the command bound to <paramref name="context"/>.</summary>
    public ChatCommand(CliContext context)
    {
        _context = context;
        Command = new Command("chat", "Chat about an image, turn by turn (reads stdin; '/image FILE' adds an image, '/exit' quits).");
        Command.Options.Add(_model);
        Command.Options.Add(_image);
        _generation.AddTo(Command);
        _zip.AddTo(Command);
        Command.Options.Add(_imageMode);
        Command.Options.Add(_dtype);
        Command.Options.Add(_device);
        Command.Options.Add(_contextPolicy);
        Command.SetAction(Run);
    }

    /// <summary>The System.CommandLine command.</summary>
    public Command Command { get; }

    private int Run(ParseResult parse)
    {
        SamplingChoice sampling = _generation.ResolveSampling(parse);
        IReadOnlyList<string> stops = _generation.ResolveStops(parse);
        ZipChoice zip = _zip.Resolve(parse);
        ModelDirectory model = ModelDirectory.Open(parse.GetValue(_model)!).RequireLanguageModel("chat");
        if (model.Kind == CheckpointKind.Decoder)
        {
            throw new CliException($"--model {model.Path}: 'chat' needs a llava-hf directory (model_type llava or llava_next), this is a bare '{model.ModelType}' decoder; use 'generate' for it");
        }

        string? image = parse.GetValue(_image) is string path ? InputFile.Existing(path, "--image") : null;

        ComputeSettings compute = ComputeSettings.Resolve(parse.GetValue(_dtype)!, parse.GetValue(_device)!);
        var policy = parse.GetValue(_contextPolicy) switch
        {
            "drop-oldest" => Models.Llava.ContextPolicy.DropOldestTurns,
            "refuse" => Models.Llava.ContextPolicy.Refuse,
            var other => throw new CliUsageException($"--context-policy must be drop-oldest or refuse (got '{other}')"),
        };
        var request = new ChatRequest(model, image, parse.GetValue(_generation.MaxNewTokens), sampling, stops, zip, parse.GetValue(_imageMode), compute, policy);
        return ChatLoop.Run(_context, request);
    }
}

/// <summary>A checked <c>chat</c> invocation.</summary>
/// <param name="Model">Checkpoint directory.</param>
/// <param name="Image">First image, or null.</param>
/// <param name="MaxNewTokens">Most tokens per answer.</param>
/// <param name="Sampling">Greedy or sampling.</param>
/// <param name="Stops">Stop strings.</param>
/// <param name="Zip">Vanilla or VisionZip budget per image.</param>
/// <param name="ImageMode">'crop', 'pad' or null.</param>
/// <param name="Compute">dtype and device.</param>
/// <param name="ContextPolicy">What to do when the context is full.</param>
public sealed record ChatRequest(
    ModelDirectory Model,
    string? Image,
    int MaxNewTokens,
    SamplingChoice Sampling,
    IReadOnlyList<string> Stops,
    ZipChoice Zip,
    string? ImageMode,
    ComputeSettings Compute,
    Models.Llava.ContextPolicy ContextPolicy);
