using System.Diagnostics;
using System.Globalization;
using BenchmarkDotNet.Running;

namespace VisionZip.Benchmarks;

/// <summary>
/// Process CPU time per invocation (user + system, every torch thread), recorded by each benchmark process and read
/// back by the host for the CPU columns. Wall-clock time on a machine shared with other jobs grows with their load;
/// CPU time measures the work itself, so its ratios are the steadier comparison with the FLOP model.
/// </summary>
/// <remarks>
/// The first <see cref="SkippedInvocations"/> invocations (BenchmarkDotNet's jitting and pilot runs) are dropped; the
/// record is the median of the rest. Records live in a temporary folder, cleared when a run of the type starts.
/// </remarks>
public sealed class PrefillRecords
{
    /// <summary>Leading invocations left out of the median.</summary>
    public const int SkippedInvocations = 2;

    private static readonly string Folder = Path.Combine(Path.GetTempPath(), "visionzip-prefill-bench-records");
    private readonly List<double> _cpuSeconds = [];
    private TimeSpan _start;

    /// <summary>Call right before the measured work.</summary>
    public void Start() => _start = Environment.CpuUsage.TotalTime;

    /// <summary>Call right after the measured work.</summary>
    public void Stop() => _cpuSeconds.Add((Environment.CpuUsage.TotalTime - _start).TotalSeconds);

    /// <summary>Writes the median CPU seconds per invocation for one case (benchmark process, at cleanup).</summary>
    public void Save(string method, int visualTokens, string dtype)
    {
        var kept = _cpuSeconds.Skip(SkippedInvocations).Order().ToList();
        if (kept.Count == 0)
        {
            return;
        }

        double median = kept.Count % 2 == 1 ? kept[kept.Count / 2] : (kept[(kept.Count / 2) - 1] + kept[kept.Count / 2]) / 2;
        Directory.CreateDirectory(Folder);
        File.WriteAllText(Path.Combine(Folder, Key(method, visualTokens, dtype)),
            string.Create(CultureInfo.InvariantCulture, $"{median:R} {kept.Count}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"// CPU time per op (median of {kept.Count}): {median:F4} s; all: {string.Join(" ", _cpuSeconds.Select(s => s.ToString("F3", CultureInfo.InvariantCulture)))}"));
    }

    /// <summary>The recorded median CPU seconds of a case (host), or null when none was written.</summary>
    public static double? Read(BenchmarkCase benchmarkCase)
    {
        string path = Path.Combine(Folder, Key(benchmarkCase.Descriptor.WorkloadMethod.Name,
            (int)benchmarkCase.Parameters[nameof(PrefillBenchmarks.VisualTokens)],
            benchmarkCase.Parameters[nameof(PrefillBenchmarks.DType)].ToString()!));
        if (!File.Exists(path))
        {
            return null;
        }

        string first = File.ReadAllText(path).Split(' ')[0];
        return double.TryParse(first, NumberStyles.Float, CultureInfo.InvariantCulture, out double seconds) ? seconds : null;
    }

    /// <summary>Deletes every record (host, when a run starts).</summary>
    public static void Clear()
    {
        if (Directory.Exists(Folder))
        {
            Directory.Delete(Folder, recursive: true);
        }
    }

    private static string Key(string method, int visualTokens, string dtype) =>
        string.Create(CultureInfo.InvariantCulture, $"{method}-{visualTokens}-{dtype}.txt");
}
