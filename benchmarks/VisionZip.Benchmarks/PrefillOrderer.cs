using System.Collections.Immutable;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Order;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using static TorchSharp.torch;

namespace VisionZip.Benchmarks;

/// <summary>
/// Summary rows by method (prefill, then decode), dtype (float32, then bfloat16), then visual tokens from vanilla 576
/// down, so each block reads vanilla first; everything else as BenchmarkDotNet's default orderer.
/// </summary>
public sealed class PrefillOrderer : IOrderer
{
    private readonly DefaultOrderer _default = new();

    /// <inheritdoc />
    public bool SeparateLogicalGroups => _default.SeparateLogicalGroups;

    /// <inheritdoc />
    public IEnumerable<BenchmarkCase> GetExecutionOrder(ImmutableArray<BenchmarkCase> benchmarkCases,
        IEnumerable<BenchmarkLogicalGroupRule>? order = null) => _default.GetExecutionOrder(benchmarkCases, order);

    /// <inheritdoc />
    public IEnumerable<BenchmarkCase> GetSummaryOrder(ImmutableArray<BenchmarkCase> benchmarkCases, Summary summary) =>
        benchmarkCases
            .OrderBy(c => c.Descriptor.WorkloadMethod.Name == nameof(PrefillBenchmarks.Prefill) ? 0 : 1)
            .ThenBy(c => (ScalarType)c.Parameters[nameof(PrefillBenchmarks.DType)] == ScalarType.Float32 ? 0 : 1)
            .ThenByDescending(c => (int)c.Parameters[nameof(PrefillBenchmarks.VisualTokens)]);

    /// <inheritdoc />
    public string? GetHighlightGroupKey(BenchmarkCase benchmarkCase) => _default.GetHighlightGroupKey(benchmarkCase);

    /// <inheritdoc />
    public string? GetLogicalGroupKey(ImmutableArray<BenchmarkCase> allBenchmarksCases, BenchmarkCase benchmarkCase) =>
        _default.GetLogicalGroupKey(allBenchmarksCases, benchmarkCase);

    /// <inheritdoc />
    public IEnumerable<IGrouping<string, BenchmarkCase>> GetLogicalGroupOrder(IEnumerable<IGrouping<string, BenchmarkCase>> logicalGroups,
        IEnumerable<BenchmarkLogicalGroupRule>? order = null) => _default.GetLogicalGroupOrder(logicalGroups, order);
}
