using System.CommandLine;
using VisionZip.Cli.Infrastructure;
using VisionZip.Cli.Options;
using VisionZip.Cli.Pipelines;

namespace VisionZip.Cli.Commands;

/// <summary>
/// <c>visionzip encode</c>: image -> encoder-side visual tokens (vanilla or VisionZip), written as safetensors
/// with <c>pixel_values</c>, <c>visual_tokens</c>, <c>kept_indices</c> (zipped) and <c>projected_tokens</c> (llava-hf).
/// </summary>
internal sealed class EncodeCommand
{
    private readonly CliContext _context;
    private readonly VisionImageOptions _options = new(allowNoZip: true, withCompute: true, "Output .safetensors file.");

    /// <summary>Creates the command bound to <paramref name="context"/>.</summary>
    public EncodeCommand(CliContext context)
    {
        _context = context;
        Command = new Command("encode", "Encode an image into visual tokens (VisionZip or vanilla) and save them as safetensors.");
        _options.AddTo(Command);
        Command.SetAction(Run);
    }

    /// <summary>The System.CommandLine command.</summary>
    public Command Command { get; }

    private int Run(ParseResult parse)
    {
        VisionImageInput input = _options.Resolve(parse, "encode");
        ComputeSettings compute = _options.ResolveCompute(parse);
        var request = new EncodeRequest(input.Model, input.ImagePath, input.Zip, input.ImageMode, compute, input.OutPath);
        return EncodePipeline.Run(_context, request);
    }
}
