using TorchSharp;
using VisionZip.Cli.Infrastructure;
using static TorchSharp.torch;

namespace VisionZip.Cli.Options;

/// <summary>Resolved <c>--dtype</c> and <c>--device</c>.</summary>
/// <param name="DType">Compute dtype of the weights.</param>
/// <param name="Device">Device to run on.</param>
internal sealed record ComputeSettings(ScalarType DType, Device Device)
{
    /// <summary>Resolves the option values, checking that the device exists.</summary>
    public static ComputeSettings Resolve(string dtype, string device)
    {
        ScalarType type = dtype switch
        {
            "fp32" => ScalarType.Float32,
            "fp16" => ScalarType.Float16,
            "bf16" => ScalarType.BFloat16,
            _ => throw new CliUsageException($"--dtype must be one of fp32, fp16, bf16 (got '{dtype}')"),
        };
        Device target = device switch
        {
            "cpu" => CPU,
            "cuda" when cuda.is_available() => CUDA,
            "cuda" => throw new CliException("--device cuda: CUDA is not available (this build references TorchSharp-cpu, or no GPU is visible)"),
            _ => throw new CliUsageException($"--device must be cpu or cuda (got '{device}')"),
        };
        return new ComputeSettings(type, target);
    }

    /// <summary>Short human form, e.g. <c>fp32 on cpu</c>.</summary>
    public override string ToString() => $"{DType switch { ScalarType.Float16 => "fp16", ScalarType.BFloat16 => "bf16", _ => "fp32" }} on {Device.type.ToString().ToLowerInvariant()}";
}
