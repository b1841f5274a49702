using System.CommandLine;
using VisionZip.Cli.Infrastructure;
using VisionZip.Cli.Options;
using VisionZip.Cli.Pipelines;

namespace VisionZip.Cli.Commands;

/// <summary><c>visionzip visualize</c>: a PNG showing which patches VisionZip keeps and merges, next to the attention map.</summary>
internal sealed class VisualizeCommand
{
    private readonly CliContext _context;
    private readonly VisionImageOptions _options = new(allowNoZip: false, withCompute: false, "Output .png file.");

    /// <summary>Creates the command bound to <paramref name="context"/>.</summary>
    public VisualizeCommand(CliContext context)
    {
        _context = context;
        Command = new Command("visualize", "Draw the dominant and contextual tokens VisionZip picks for an image, and the attention map they come from.");
        _options.AddTo(Command);
        Command.SetAction(Run);
    }

    /// <summary>The System.CommandLine command.</summary>
    public Command Command { get; }

    private int Run(ParseResult parse)
    {
        VisionImageInput input = _options.Resolve(parse, "visualize");
        return VisualizePipeline.Run(_context, input.Model, input.ImagePath, input.Zip, input.ImageMode, input.OutPath);
    }
}
