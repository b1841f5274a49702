using VisionZip.Cli.Commands;
using VisionZip.Cli.Infrastructure;
using VisionZip.Cli.Options;

namespace VisionZip.Cli.Pipelines;

/// <summary>Runs the checked request against the library (pending: the model adapters).</summary>
public static class GeneratePipeline
{
    /// <summary>Runs the request; returns the exit code.</summary>
    public static int Run(CliContext context, GenerateRequest request)
    {
        throw new CliException("not available yet in this build: the model adapters are still being merged");
    }
}
