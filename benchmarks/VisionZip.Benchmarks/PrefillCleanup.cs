using System.Globalization;
using BenchmarkDotNet.EventProcessors;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using static TorchSharp.torch;

namespace VisionZip.Benchmarks;

/// <summary>
/// Runs in BenchmarkDotNet's host process: clears stale records when its benchmark type starts, prints the per-count
/// table of <see cref="PrefillInterleavedBenchmarks"/> when that type ends, and deletes the shared random-weight
/// checkpoint when the whole run ends. Each prefill config adds one for its own type (a joint run sees both).
/// </summary>
/// <param name="owner"><see cref="PrefillBenchmarks"/> or <see cref="PrefillInterleavedBenchmarks"/>.</param>
public sealed class PrefillCleanup(Type owner) : EventProcessor
{
    /// <inheritdoc />
    public override void OnStartRunBenchmarksInType(Type type, IReadOnlyList<BenchmarkCase> benchmarks)
    {
        if (type != owner)
        {
            return;
        }

        if (type == typeof(PrefillBenchmarks))
        {
            PrefillRecords.Clear();
        }
        else
        {
            PrefillRoundRecords.Clear();
        }
    }

    /// <inheritdoc />
    public override void OnEndRunBenchmarksInType(Type type, Summary summary)
    {
        if (type == owner && type == typeof(PrefillInterleavedBenchmarks))
        {
            Console.WriteLine(InterleavedTable());
        }
    }

    /// <inheritdoc />
    public override void OnEndRunStage() => PrefillCheckpoint.Delete(); // idempotent: every instance may call it

    /// <summary>Markdown: per method, dtype and visual-token count, the interleaved medians beside the FLOP model.</summary>
    public static string InterleavedTable()
    {
        var lines = new List<string>
        {
            "// * Interleaved rounds (PrefillInterleavedBenchmarks): medians per count, ratios paired within a round *",
            "| Method | DType | Visual | Tokens | Wall (ms) | CPU (ms) | Wall speedup | CPU speedup | FLOP model | Est. 32 layers wall (s) |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
        };
        foreach (string method in new[] { nameof(PrefillInterleavedBenchmarks.PrefillRound), nameof(PrefillInterleavedBenchmarks.DecodeRound) })
        {
            foreach (var dtype in new[] { ScalarType.Float32, ScalarType.BFloat16 })
            {
                foreach (var result in PrefillRoundRecords.Read(method, dtype.ToString()))
                {
                    int tokens = PrefillBenchmarks.TextTokens + result.VisualTokens;
                    double predicted = PrefillFlopModel.PredictedSpeedup(method == nameof(PrefillInterleavedBenchmarks.DecodeRound),
                        PrefillBenchmarks.TextTokens + PrefillBenchmarks.VanillaVisualTokens, tokens);
                    double fullModel = result.WallSeconds * PrefillColumn.FullModelLayers / PrefillCheckpoint.Layers;
                    lines.Add(string.Create(CultureInfo.InvariantCulture,
                        $"| {method} | {dtype} | {result.VisualTokens} | {tokens} | {result.WallSeconds * 1000:0.0} | {result.CpuSeconds * 1000:0.0} | " +
                        $"{result.WallSpeedup:0.00}x | {result.CpuSpeedup:0.00}x | {predicted:0.00}x | {fullModel:0.00} |"));
                }
            }
        }

        return string.Join(Environment.NewLine, lines);
    }
}
