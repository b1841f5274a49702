using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using static TorchSharp.torch;

namespace VisionZip.Benchmarks;

/// <summary>What a <see cref="PrefillColumn"/> shows.</summary>
public enum PrefillColumnKind
{
    /// <summary>Mean of the vanilla case (same method and dtype) divided by this case's mean.</summary>
    MeasuredSpeedup,

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
        PrefillColumnKind.MeasuredSpeedup => $"Mean of the {PrefillBenchmarks.VanillaVisualTokens}-visual-token case (same method, same dtype) / this mean",
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
            PrefillColumnKind.MeasuredSpeedup => MeasuredSpeedup(summary, benchmarkCase),
            PrefillColumnKind.PredictedSpeedup => Ratio(PrefillFlopModel.PredictedSpeedup(decode, vanillaTokens, tokens)),
            PrefillColumnKind.KvCacheBenchmarked => Megabytes(PrefillFlopModel.KvCacheBytes(tokens, PrefillCheckpoint.Layers, elementSize)),
            _ => Megabytes(PrefillFlopModel.KvCacheBytes(tokens, FullModelLayers, elementSize)),
        };
    }

    private static string MeasuredSpeedup(Summary summary, BenchmarkCase benchmarkCase)
    {
        var vanilla = summary.BenchmarksCases.FirstOrDefault(other =>
            other.Descriptor.WorkloadMethod == benchmarkCase.Descriptor.WorkloadMethod &&
            Equals(other.Parameters[nameof(PrefillBenchmarks.DType)], benchmarkCase.Parameters[nameof(PrefillBenchmarks.DType)]) &&
            (int)other.Parameters[nameof(PrefillBenchmarks.VisualTokens)] == PrefillBenchmarks.VanillaVisualTokens);
        double? vanillaMean = vanilla is null ? null : summary[vanilla]?.ResultStatistics?.Mean;
        double? mean = summary[benchmarkCase]?.ResultStatistics?.Mean;
        return vanillaMean is double a && mean is double b && b > 0 ? Ratio(a / b) : "?";
    }

    private static string Ratio(double value) => value.ToString("0.00", CultureInfo.InvariantCulture) + "x";

    private static string Megabytes(long bytes) => (bytes / (1024.0 * 1024.0)).ToString("0.0", CultureInfo.InvariantCulture) + " MiB";

    /// <inheritdoc />
    public override string ToString() => ColumnName;
}
