using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using static TorchSharp.torch;

namespace VisionZip.Benchmarks;

/// <summary>What a <see cref="PrefillColumn"/> shows.</summary>
public enum PrefillColumnKind
{
    /// <summary>Median of the vanilla case (same method and dtype) divided by this case's median.</summary>
    MeasuredSpeedup,

    /// <summary>Median process CPU seconds per invocation (<see cref="PrefillRecords"/>).</summary>
    CpuTime,

    /// <summary>CPU time of the vanilla case divided by this case's.</summary>
    CpuSpeedup,

    /// <summary>The same ratio predicted by <see cref="PrefillFlopModel"/>.</summary>
    PredictedSpeedup,

    /// <summary>Keys and values of the prompt in the benchmarked layers.</summary>
    KvCacheBenchmarked,

    /// <summary>Keys and values of the prompt in all 32 layers of Vicuna-7B.</summary>
    KvCacheFullModel,
}

/// <summary>Columns that put measured vanilla/zipped ratios beside the FLOP model's, and the KV cache size.</summary>
public sealed class PrefillColumn(PrefillColumnKind kind) : IColumn
{
    /// <summary>Decoder layers of LLaVA-1.5-7B's language model.</summary>
    public const int FullModelLayers = 32;

    /// <inheritdoc />
    public string Id => $"{nameof(PrefillColumn)}.{kind}";

    /// <inheritdoc />
    public string ColumnName => kind switch
    {
        PrefillColumnKind.MeasuredSpeedup => "Speedup",
        PrefillColumnKind.CpuTime => "CPU/op",
        PrefillColumnKind.CpuSpeedup => "CPU-speedup",
        PrefillColumnKind.PredictedSpeedup => "FLOP-model",
        PrefillColumnKind.KvCacheBenchmarked => $"KV-{PrefillCheckpoint.Layers}L",
        _ => $"KV-{FullModelLayers}L",
    };

    /// <inheritdoc />
    public bool AlwaysShow => true;

    /// <inheritdoc />
    public ColumnCategory Category => ColumnCategory.Custom;

    /// <inheritdoc />
    public int PriorityInCategory => (int)kind;

    /// <inheritdoc />
    public bool IsNumeric => true;

    /// <inheritdoc />
    public UnitType UnitType => UnitType.Dimensionless;

    /// <inheritdoc />
    public string Legend => kind switch
    {
        PrefillColumnKind.MeasuredSpeedup => $"Median wall time of the {PrefillBenchmarks.VanillaVisualTokens}-visual-token case (same method, same dtype) / this median",
        PrefillColumnKind.CpuTime => "Median process CPU time (user + system, all threads) per invocation, first 2 invocations dropped",
        PrefillColumnKind.CpuSpeedup => "CPU/op of the 576-visual-token case (same method, same dtype) / this CPU/op",
        PrefillColumnKind.PredictedSpeedup => "The same ratio from the per-layer FLOP model 4nd^2 + 2n^2d + 3ndm (decode: one query row)",
        PrefillColumnKind.KvCacheBenchmarked => $"Keys + values of the prompt in the {PrefillCheckpoint.Layers} benchmarked layers",
        _ => $"Keys + values of the prompt in all {FullModelLayers} layers of LLaVA-1.5-7B",
    };

    /// <inheritdoc />
    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    /// <inheritdoc />
    public bool IsAvailable(Summary summary) => true;

    /// <inheritdoc />
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, summary.Style);

    /// <inheritdoc />
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        int visual = (int)benchmarkCase.Parameters[nameof(PrefillBenchmarks.VisualTokens)];
        var dtype = (ScalarType)benchmarkCase.Parameters[nameof(PrefillBenchmarks.DType)];
        long tokens = PrefillBenchmarks.TextTokens + visual;
        long vanillaTokens = PrefillBenchmarks.TextTokens + PrefillBenchmarks.VanillaVisualTokens;
        bool decode = benchmarkCase.Descriptor.WorkloadMethod.Name == nameof(PrefillBenchmarks.DecodeStep);
        int elementSize = dtype == ScalarType.Float32 ? 4 : 2;
        return kind switch
        {
            PrefillColumnKind.MeasuredSpeedup => Speedup(summary, benchmarkCase, other => summary[other]?.ResultStatistics?.Median),
            PrefillColumnKind.CpuTime => PrefillRecords.Read(benchmarkCase) is double seconds
                ? seconds.ToString("0.000", CultureInfo.InvariantCulture) + " s"
                : "?",
            PrefillColumnKind.CpuSpeedup => Speedup(summary, benchmarkCase, PrefillRecords.Read),
            PrefillColumnKind.PredictedSpeedup => Ratio(PrefillFlopModel.PredictedSpeedup(decode, vanillaTokens, tokens)),
            PrefillColumnKind.KvCacheBenchmarked => Megabytes(PrefillFlopModel.KvCacheBytes(tokens, PrefillCheckpoint.Layers, elementSize)),
            _ => Megabytes(PrefillFlopModel.KvCacheBytes(tokens, FullModelLayers, elementSize)),
        };
    }

    private static string Speedup(Summary summary, BenchmarkCase benchmarkCase, Func<BenchmarkCase, double?> measure)
    {
        var vanilla = summary.BenchmarksCases.FirstOrDefault(other =>
            other.Descriptor.WorkloadMethod == benchmarkCase.Descriptor.WorkloadMethod &&
            Equals(other.Parameters[nameof(PrefillBenchmarks.DType)], benchmarkCase.Parameters[nameof(PrefillBenchmarks.DType)]) &&
            (int)other.Parameters[nameof(PrefillBenchmarks.VisualTokens)] == PrefillBenchmarks.VanillaVisualTokens);
        double? vanillaValue = vanilla is null ? null : measure(vanilla);
        return vanillaValue is double a && measure(benchmarkCase) is double b && b > 0 ? Ratio(a / b) : "?";
    }

    private static string Ratio(double value) => value.ToString("0.00", CultureInfo.InvariantCulture) + "x";

    private static string Megabytes(long bytes) => (bytes / (1024.0 * 1024.0)).ToString("0.0", CultureInfo.InvariantCulture) + " MiB";

    /// <inheritdoc />
    public override string ToString() => ColumnName;
}
