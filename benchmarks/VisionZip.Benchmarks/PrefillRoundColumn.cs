using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace VisionZip.Benchmarks;

/// <summary>
/// Paired vanilla/zipped speedup of one visual-token count from <see cref="PrefillInterleavedBenchmarks"/> rounds,
/// wall or CPU time, with the FLOP model's prediction in brackets.
/// </summary>
public sealed class PrefillRoundColumn(int visualTokens, bool cpu) : IColumn
{
    /// <inheritdoc />
    public string Id => string.Create(CultureInfo.InvariantCulture, $"{nameof(PrefillRoundColumn)}.{visualTokens}.{cpu}");

    /// <inheritdoc />
    public string ColumnName => string.Create(CultureInfo.InvariantCulture, $"{(cpu ? "CPU" : "Wall")} x{visualTokens} (FLOP)");

    /// <inheritdoc />
    public bool AlwaysShow => true;

    /// <inheritdoc />
    public ColumnCategory Category => ColumnCategory.Custom;

    /// <inheritdoc />
    public int PriorityInCategory => (cpu ? 10_000 : 0) + (10_000 - visualTokens); // wall before CPU, then 192, 128, 64

    /// <inheritdoc />
    public bool IsNumeric => false;

    /// <inheritdoc />
    public UnitType UnitType => UnitType.Dimensionless;

    /// <inheritdoc />
    public string Legend => string.Create(CultureInfo.InvariantCulture,
        $"Median over rounds of {(cpu ? "CPU" : "wall")} time(576 visual tokens) / time({visualTokens}); FLOP-model ratio in brackets");

    /// <inheritdoc />
    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    /// <inheritdoc />
    public bool IsAvailable(Summary summary) => true;

    /// <inheritdoc />
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, summary.Style);

    /// <inheritdoc />
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        string method = benchmarkCase.Descriptor.WorkloadMethod.Name;
        string dtype = benchmarkCase.Parameters[nameof(PrefillInterleavedBenchmarks.DType)].ToString()!;
        var result = PrefillRoundRecords.Read(method, dtype).FirstOrDefault(r => r.VisualTokens == visualTokens);
        double predicted = PrefillFlopModel.PredictedSpeedup(method == nameof(PrefillInterleavedBenchmarks.DecodeRound),
            PrefillBenchmarks.TextTokens + PrefillBenchmarks.VanillaVisualTokens, PrefillBenchmarks.TextTokens + visualTokens);
        string measured = result is null ? "?" : (cpu ? result.CpuSpeedup : result.WallSpeedup).ToString("0.00", CultureInfo.InvariantCulture) + "x";
        return string.Create(CultureInfo.InvariantCulture, $"{measured} ({predicted:0.00}x)");
    }

    /// <inheritdoc />
    public override string ToString() => ColumnName;
}
