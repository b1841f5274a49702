using VisionZip.Cli.Commands;
using VisionZip.Cli.Infrastructure;
using VisionZip.Cli.Options;

namespace VisionZip.Cli.Pipelines;

/// <summary>Runs the checked request against the library (pending: the model adapters).</summary>
public static class VisualizePipeline
{
    /// <summary>Runs the request; returns the exit code.</summary>
    public static int Run(CliContext context, ModelDirectory model, string imagePath, ZipChoice zip, string? imageMode, string outPath)
    {
        throw new CliException("not available yet in this build: the model adapters are still being merged");
    }
}
