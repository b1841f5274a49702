using System.CommandLine;
using VisionZip.Models;
using VisionZip.Cli.Infrastructure;
using VisionZip.Cli.Options;
using VisionZip.Cli.Pipelines;

namespace VisionZip.Cli.Commands;

/// <summary>
/// <c>visionzip demo</c>: the whole pipeline on the bundled tiny random-weight llava-hf checkpoint (real LLaVA-1.5
/// geometry: 336 px, 14 px patches, 576 visual tokens), or on <c>--model</c>.
/// </summary>
public sealed class DemoCommand
{
    /// <summary>Folder of the bundled checkpoint, next to the CLI assembly.</summary>
    public const string BundledModelFolder = "assets/demo-model";

    /// <summary>The bundled photo, next to the CLI assembly.</summary>
    public const string BundledImage = "assets/demo.png";

    private readonly CliContext _context;
    private readonly Option<string?> _model = new("--model")
    {
        Description = "A llava-hf checkpoint directory (default: the bundled tiny random-weight model).",
        HelpName = "DIR",
    };

    private readonly Option<string?> _image = new("--image") { Description = "Image file (default: the bundled photo).", HelpName = "FILE" };
    private readonly Option<string> _out = CommonOptions.Out("The visualisation PNG.", required: false);
    private readonly Option<int> _maxNewTokens = new Option<int>("--max-new-tokens")
    {
        Description = "Tokens to generate.",
        HelpName = "N",
        DefaultValueFactory = _ => 12,
    }.Integer().AtLeast(1);

    /// <summary>Creates the command bound to <paramref name="context"/>.</summary>
    public DemoCommand(CliContext context)
    {
        _context = context;
        _out.DefaultValueFactory = _ => "visionzip-demo.png";
        Command = new Command("demo", "Run VisionZip end to end on a bundled tiny LLaVA-1.5-shaped model: 576 -> 64 visual tokens, prefill time, picture.");
        Command.Options.Add(_model);
        Command.Options.Add(_image);
        Command.Options.Add(_out);
        Command.Options.Add(_maxNewTokens);
        Command.SetAction(Run);
    }

    /// <summary>The System.CommandLine command.</summary>
    public Command Command { get; }

    private int Run(ParseResult parse)
    {
        string outPath = AtomicFile.CheckWritable(parse.GetValue(_out)!, "--out");
        bool bundled = parse.GetValue(_model) is null;
        string modelPath = parse.GetValue(_model) ?? Path.Combine(AppContext.BaseDirectory, BundledModelFolder);
        if (bundled && !Directory.Exists(modelPath))
        {
            throw new CliException($"the bundled demo model is missing at {modelPath}; reinstall the tool or pass --model DIR");
        }

        ModelDirectory model = ModelDirectory.Open(modelPath);
        if (!model.Kind.IsLlava())
        {
            throw new CliException($"--model {model.Path}: the demo needs a llava-hf directory (model_type 'llava' or 'llava_next'), this is '{model.ModelType}'");
        }

        string imagePath = parse.GetValue(_image) is string image
            ? InputFile.Existing(image, "--image")
            : InputFile.Existing(Path.Combine(AppContext.BaseDirectory, BundledImage), "bundled image");
        return DemoPipeline.Run(_context, model, bundled, imagePath, outPath, parse.GetValue(_maxNewTokens));
    }
}
