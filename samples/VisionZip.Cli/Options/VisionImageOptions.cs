using System.CommandLine;
using VisionZip.Cli.Infrastructure;

namespace VisionZip.Cli.Options;

/// <summary>
/// The options of the commands that run one image through a vision checkpoint (<c>encode</c>, <c>visualize</c>):
/// <c>--model --image --dominant --contextual [--no-zip] --image-mode [--dtype --device] --out</c>, defined and
/// checked in one place.
/// </summary>
internal sealed class VisionImageOptions
{
    private readonly Option<string> _model = CommonOptions.Model("CLIP, SigLIP or llava-hf checkpoint directory.");
    private readonly Option<string> _image = CommonOptions.Image(required: true);
    private readonly ZipOptions _zip;
    private readonly Option<string?> _imageMode = CommonOptions.ImageMode();
    private readonly Option<string>? _dtype;
    private readonly Option<string>? _device;
    private readonly Option<string> _out;

    /// <summary>
    /// Creates the options; <paramref name="allowNoZip"/> adds <c>--no-zip</c>, <paramref name="withCompute"/> adds
    /// <c>--dtype</c> and <c>--device</c>, <paramref name="outDescription"/> is the help of <c>--out</c>.
    /// </summary>
    public VisionImageOptions(bool allowNoZip, bool withCompute, string outDescription)
    {
        _zip = new ZipOptions(allowNoZip);
        if (withCompute)
        {
            _dtype = CommonOptions.DType();
            _device = CommonOptions.Device();
        }

        _out = CommonOptions.Out(outDescription);
    }

    /// <summary>Adds the options to <paramref name="command"/>, <c>--out</c> last.</summary>
    public void AddTo(Command command)
    {
        command.Options.Add(_model);
        command.Options.Add(_image);
        _zip.AddTo(command);
        command.Options.Add(_imageMode);
        if (_dtype is not null && _device is not null)
        {
            command.Options.Add(_dtype);
            command.Options.Add(_device);
        }

        command.Options.Add(_out);
    }

    /// <summary>
    /// Checks the budget, <c>--out</c>, <c>--model</c> (a vision checkpoint <paramref name="commandName"/> can use)
    /// and <c>--image</c>, in that order.
    /// </summary>
    public VisionImageInput Resolve(ParseResult parse, string commandName)
    {
        ZipChoice zip = _zip.Resolve(parse);
        string outPath = AtomicFile.CheckWritable(parse.GetValue(_out)!, "--out");
        ModelDirectory model = ModelDirectory.Open(parse.GetValue(_model)!).RequireVision(commandName);
        string image = InputFile.Existing(parse.GetValue(_image)!, "--image");
        return new VisionImageInput(model, image, zip, parse.GetValue(_imageMode), outPath);
    }

    /// <summary>Resolves <c>--dtype</c> and <c>--device</c>; only for options created with <c>withCompute: true</c>.</summary>
    public ComputeSettings ResolveCompute(ParseResult parse)
    {
        if (_dtype is null || _device is null)
        {
            throw new InvalidOperationException("These options were created without --dtype/--device (withCompute: false).");
        }

        return ComputeSettings.Resolve(parse.GetValue(_dtype)!, parse.GetValue(_device)!);
    }
}
