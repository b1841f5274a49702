using BenchmarkDotNet.EventProcessors;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace VisionZip.Benchmarks;

/// <summary>
/// Runs in BenchmarkDotNet's host process: clears stale CPU-time records when a <see cref="PrefillBenchmarks"/> run
/// starts, and deletes the shared random-weight checkpoint once every case has run.
/// </summary>
public sealed class PrefillCleanup : EventProcessor
{
    /// <inheritdoc />
    public override void OnStartRunBenchmarksInType(Type type, IReadOnlyList<BenchmarkCase> benchmarks)
    {
        if (type == typeof(PrefillBenchmarks))
        {
            PrefillRecords.Clear();
        }
    }

    /// <inheritdoc />
    public override void OnEndRunBenchmarksInType(Type type, Summary summary)
    {
        if (type == typeof(PrefillBenchmarks))
        {
            PrefillCheckpoint.Delete();
        }
    }
}
