using BenchmarkDotNet.EventProcessors;
using BenchmarkDotNet.Reports;

namespace VisionZip.Benchmarks;

/// <summary>
/// Runs in BenchmarkDotNet's host process: deletes the shared random-weight checkpoint once every
/// <see cref="PrefillBenchmarks"/> case has run.
/// </summary>
public sealed class PrefillCleanup : EventProcessor
{
    /// <inheritdoc />
    public override void OnEndRunBenchmarksInType(Type type, Summary summary)
    {
        if (type == typeof(PrefillBenchmarks))
        {
            PrefillCheckpoint.Delete();
        }
    }
}
