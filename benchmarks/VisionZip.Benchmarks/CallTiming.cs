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

    /// <summary>
    /// The matmul probe run three times: its rate from the fastest wall time (as MachineLimits measures it) and its
    /// rate per CPU second from the sum, in GFLOP/s.
    /// </summary>
    public static (double Rate, double CpuRate) ProbeRates(Tensor left, Tensor right, double probeFlops)
    {
        var probes = Enumerable.Range(0, 3).Select(_ => TimeBoth(() => left.matmul(right))).ToArray();
        return (probeFlops / probes.Min(p => p.WallMs) / 1e6, 3 * probeFlops / probes.Sum(p => p.CpuMs) / 1e6);
    }

    /// <summary>The median: the middle value, or the mean of the two middle values for an even count.</summary>
    public static double Median(List<double> values) => Peer.PeerStats.Median(values);
}
