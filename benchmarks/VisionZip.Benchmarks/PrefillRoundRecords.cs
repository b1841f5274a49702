using System.Globalization;
using System.Text;

namespace VisionZip.Benchmarks;

/// <summary>One visual-token count's result over the interleaved rounds (medians; ratios paired within a round).</summary>
/// <param name="VisualTokens">Visual tokens of the prompt.</param>
/// <param name="WallSeconds">Median wall seconds.</param>
/// <param name="CpuSeconds">Median process CPU seconds (user + system, all threads).</param>
/// <param name="WallSpeedup">Median over rounds of vanilla wall / this wall.</param>
/// <param name="CpuSpeedup">Median over rounds of vanilla CPU / this CPU.</param>
/// <param name="Rounds">Rounds counted.</param>
public sealed record PrefillRoundResult(int VisualTokens, double WallSeconds, double CpuSeconds, double WallSpeedup, double CpuSpeedup, int Rounds);

/// <summary>
/// Wall and CPU seconds of every count in every round of <see cref="PrefillInterleavedBenchmarks"/>, written by the
/// benchmark process at cleanup and read back by the host. The first <see cref="PrefillRecords.SkippedInvocations"/>
/// rounds (jitting and pilot) are dropped.
/// </summary>
public sealed class PrefillRoundRecords(int counts)
{
    private static readonly string Folder = Path.Combine(Path.GetTempPath(), "visionzip-prefill-bench-rounds");
    private readonly List<double[]> _wall = [];
    private readonly List<double[]> _cpu = [];
    private double[] _roundWall = new double[counts];
    private double[] _roundCpu = new double[counts];

    /// <summary>Records one count of the current round.</summary>
    public void Add(int index, double wallSeconds, double cpuSeconds)
    {
        _roundWall[index] = wallSeconds;
        _roundCpu[index] = cpuSeconds;
    }

    /// <summary>Closes the current round.</summary>
    public void EndRound()
    {
        _wall.Add(_roundWall);
        _cpu.Add(_roundCpu);
        _roundWall = new double[counts];
        _roundCpu = new double[counts];
    }

    /// <summary>Writes one line per count (benchmark process).</summary>
    public void Save(string method, string dtype)
    {
        var wall = _wall.Skip(PrefillRecords.SkippedInvocations).ToList();
        var cpu = _cpu.Skip(PrefillRecords.SkippedInvocations).ToList();
        if (wall.Count == 0)
        {
            return;
        }

        var text = new StringBuilder();
        for (int i = 0; i < counts; i++)
        {
            int index = i;
            text.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"{PrefillInterleavedBenchmarks.VisualTokenCounts[i]} {Median(wall.Select(r => r[index])):R} {Median(cpu.Select(r => r[index])):R} " +
                $"{Median(wall.Select(r => r[0] / r[index])):R} {Median(cpu.Select(r => r[0] / r[index])):R} {wall.Count}"));
        }

        Directory.CreateDirectory(Folder);
        File.WriteAllText(Path.Combine(Folder, $"{method}-{dtype}.txt"), text.ToString());
        Console.WriteLine($"// rounds ({method}, {dtype}): visual wall cpu wall-speedup cpu-speedup rounds\n{text}");
    }

    /// <summary>The results of one (method, dtype) case (host), or empty when none were written.</summary>
    public static IReadOnlyList<PrefillRoundResult> Read(string method, string dtype)
    {
        string path = Path.Combine(Folder, $"{method}-{dtype}.txt");
        if (!File.Exists(path))
        {
            return [];
        }

        return File.ReadAllLines(path)
            .Where(line => line.Length > 0)
            .Select(line => line.Split(' '))
            .Select(f => new PrefillRoundResult(int.Parse(f[0], CultureInfo.InvariantCulture), Parse(f[1]), Parse(f[2]), Parse(f[3]),
                Parse(f[4]), int.Parse(f[5], CultureInfo.InvariantCulture)))
            .ToList();
    }

    /// <summary>Deletes every record (host, when a run starts).</summary>
    public static void Clear()
    {
        if (Directory.Exists(Folder))
        {
            Directory.Delete(Folder, recursive: true);
        }
    }

    private static double Parse(string text) => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        int middle = sorted.Count / 2;
        return sorted.Count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }
}
