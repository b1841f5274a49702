using System.CommandLine;
using VisionZip.Cli.Infrastructure;
using VisionZip.Cli.Options;
using VisionZip.Cli.Pipelines;

namespace VisionZip.Cli.Commands;

/// <summary><c>visionzip visualize</c>: a PNG showing which patches VisionZip keeps and merges, next to the attention map.</summary>
public sealed class VisualizeCommand
{
    private readonly CliContext _context;
    private readonly Option<string> _model = CommonOptions.Model("CLIP, SigLIP or llava-hf checkpoint directory.");
    private readonly Option<string> _image = CommonOptions.Image(required: true);
    private readonly ZipOptions _zip = new(allowNoZip: false);
    private readonly Option<string?> _imageMode = CommonOptions.ImageMode();
    private readonly Option<string> _out = CommonOptions.Out("Output .png file.");

    /// <summary>Creates the command bound to <paramref name="context"/>.</summary>
    public VisualizeCommand(CliContext context)
    {
        _context = context;
        Command = new Command("visualize", "Draw the dominant and contextual tokens VisionZip picks for an image, and the attention map they come from.");
        Command.Options.Add(_model);
        Command.Options.Add(_image);
        _zip.AddTo(Command);
        Command.Options.Add(_imageMode);
        Command.Options.Add(_out);
        Command.SetAction(Run);
    }

    /// <summary>The System.CommandLine command.</summary>
    public Command Command { get; }

    private int Run(ParseResult parse)
    {
        ZipChoice zip = _zip.Resolve(parse);
        string outPath = AtomicFile.CheckWritable(parse.GetValue(_out)!, "--out");
        ModelDirectory model = ModelDirectory.Open(parse.GetValue(_model)!).RequireVision("visualize");
        string image = InputFile.Existing(parse.GetValue(_image)!, "--image");
        return VisualizePipeline.Run(_context, model, image, zip, parse.GetValue(_imageMode), outPath);
    }
}
