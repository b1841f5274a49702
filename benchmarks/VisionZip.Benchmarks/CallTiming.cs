using System.Diagnostics;
using static TorchSharp.torch;

namespace VisionZip.Benchmarks;

/// <summary>Timing of one call for the side-by-side measurement modes: wall and process CPU time, medians.</summary>
internal static class CallTiming
{
    /// <summary>Wall milliseconds of one call (its result disposed).</summary>
    public static double Time(Func<Tensor> run) => TimeBoth(run).WallMs;

    /// <summary>Wall and process CPU milliseconds of one call (its result disposed).</summary>
    public static (double WallMs, double CpuMs) TimeBoth(Func<Tensor> run)
    {
        double cpu = ProcessCpuTime.Seconds();
        long start = Stopwatch.GetTimestamp();
        run().Dispose();
        return (Stopwatch.GetElapsedTime(start).TotalMilliseconds, (ProcessCpuTime.Seconds() - cpu) * 1e3);
    }

    /// <summary>The middle value (upper middle for an even count).</summary>
    public static double Median(List<double> values)
    {
        var sorted = values.OrderBy(v => v).ToArray();
        return sorted[sorted.Length / 2];
    }
}
