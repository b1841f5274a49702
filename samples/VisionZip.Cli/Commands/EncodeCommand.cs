using System.CommandLine;
using VisionZip.Cli.Infrastructure;
using VisionZip.Cli.Options;
using VisionZip.Cli.Pipelines;

namespace VisionZip.Cli.Commands;

/// <summary>
/// <c>visionzip encode</c>: image -> encoder-side visual tokens (vanilla or VisionZip), written as safetensors
/// with <c>pixel_values</c>, <c>visual_tokens</c>, <c>kept_indices</c> (zipped) and <c>projected_tokens</c> (llava-hf).
/// </summary>
public sealed class EncodeCommand
{
    private readonly CliContext _context;
    private readonly Option<string> _model = CommonOptions.Model("CLIP, SigLIP or llava-hf checkpoint directory.");
    private readonly Option<string> _image = CommonOptions.Image(required: true);
    private readonly ZipOptions _zip = new(allowNoZip: true);
    private readonly Option<string?> _imageMode = CommonOptions.ImageMode();
    private readonly Option<string> _dtype = CommonOptions.DType();
    private readonly Option<string> _device = CommonOptions.Device();
    private readonly Option<string> _out = CommonOptions.Out("Output .safetensors file.");

    /// <summary>Creates the command bound to <paramref name="context"/>.</summary>
    public EncodeCommand(CliContext context)
    {
        _context = context;
        Command = new Command("encode", "Encode an image into visual tokens (VisionZip or vanilla) and save them as safetensors.");
        Command.Options.Add(_model);
        Command.Options.Add(_image);
        _zip.AddTo(Command);
        Command.Options.Add(_imageMode);
        Command.Options.Add(_dtype);
        Command.Options.Add(_device);
        Command.Options.Add(_out);
        Command.SetAction(Run);
    }

    /// <summary>The System.CommandLine command.</summary>
    public Command Command { get; }

    private int Run(ParseResult parse)
    {
        ZipChoice zip = _zip.Resolve(parse);
        string outPath = AtomicFile.CheckWritable(parse.GetValue(_out)!, "--out");
        ModelDirectory model = ModelDirectory.Open(parse.GetValue(_model)!).RequireVision("encode");
        string image = InputFile.Existing(parse.GetValue(_image)!, "--image");
        ComputeSettings compute = ComputeSettings.Resolve(parse.GetValue(_dtype)!, parse.GetValue(_device)!);
        var request = new EncodeRequest(model, image, zip, parse.GetValue(_imageMode), compute, outPath);
        return EncodePipeline.Run(_context, request);
    }
}
