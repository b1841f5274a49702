using System.Globalization;
using System.Text.Json.Nodes;
using VisionZip.Models.Performance;

namespace VisionZip.Cli.Bench;

/// <summary>
/// The figures of a bench run: per configuration the median and spread of every stage, the measured speedup of time to
/// first token over vanilla next to the FLOP model's bound, and each stage as a fraction of the machine's limits: every
/// run against the limits of its own round, then the median over the rounds.
/// </summary>
internal sealed class BenchReport
{
    private readonly BenchRequest _request;
    private readonly string _model;
    private readonly VlmGeometry _geometry;
    private readonly double _loadMs;   // loading the model once, before the rounds (files to weights, every value checked)
    private readonly RoundLimits? _limits;
    private readonly string _dtypeName;
    private readonly int _weightBytes;
    private readonly int _kvElementSize;

    public BenchReport(BenchRequest request, string modelDescription, VlmGeometry geometry, double loadMs, RoundLimits? limits,
        IReadOnlyList<(BenchConfiguration Configuration, IReadOnlyList<BenchSample> Samples)> results)
    {
        _request = request;
        _model = modelDescription;
        _geometry = geometry;
        _loadMs = loadMs;
        _limits = limits;
        _dtypeName = MachineLimits.DTypeName(request.Compute.DType);
        _kvElementSize = _dtypeName == "fp32" ? 4 : 2;
        _weightBytes = request.Int8Weights ? 1 : _kvElementSize;
        Rows = [.. results.Select(r => Summarise(r.Configuration, r.Samples))];
    }

    /// <summary>One row per configuration, vanilla first.</summary>
    public IReadOnlyList<BenchRow> Rows { get; }

    private BenchRow Summarise(BenchConfiguration configuration, IReadOnlyList<BenchSample> samples)
    {
        var last = samples[^1];
        var workload = new Workload(last.Crops, last.VisualTokens, last.PromptTokens - last.VisualTokens);
        return new BenchRow(configuration, samples, workload,
            Encoder: Stat.Of(samples.Select(s => s.EncoderMs)),
            Reduce: Stat.Of(samples.Select(s => s.ReduceMs)),
            Projector: Stat.Of(samples.Select(s => s.ProjectorMs)),
            Preprocess: Stat.Of(samples.Select(s => s.DecodeImageMs + s.PreprocessMs)),
            Prefill: Stat.Of(samples.Select(s => s.PrefillMs)),
            Ttft: Stat.Of(samples.Select(s => s.TimeToFirstTokenMs)),
            Decode: Stat.Of(samples.Select(s => s.DecodeMsPerToken)),
            PeakRss: samples.Max(s => s.PeakRssBytes));
    }

    /// <summary>The JSON object <c>--json</c> prints.</summary>
    public JsonObject ToJson()
    {
        var vanilla = Rows[0];
        var runs = new JsonArray();
        foreach (var row in Rows)
        {
            var prefill = CostModel.Prefill(_geometry, row.Workload);
            var run = new JsonObject
            {
                ["configuration"] = row.Configuration.Label,
                ["budget_per_tile"] = row.Configuration.Budget is { } b ? $"{b.Dominant}+{b.Contextual}" : null,
                ["crops"] = row.Workload.EncoderCrops,
                ["visual_tokens"] = row.Workload.VisualTokens,
                ["prompt_tokens"] = row.Workload.PromptTokens,
                ["preprocess_ms"] = Number(row.Preprocess.Median),
                ["encoder_ms"] = Number(row.Encoder.Median),
                ["reduce_ms"] = Number(row.Reduce.Median),
                ["projector_ms"] = Number(row.Projector.Median),
                ["prefill_ms"] = Number(row.Prefill.Median),
                ["ttft_ms"] = Number(row.Ttft.Median),
                ["ttft_ms_per_round"] = new JsonArray([.. row.Samples.Select(sample => Number(sample.TimeToFirstTokenMs))]),
                ["decode_ms_per_token"] = Number(row.Decode.Median),
                ["spread"] = new JsonObject
                {
                    ["encoder_ms"] = Range(row.Encoder),
                    ["prefill_ms"] = Range(row.Prefill),
                    ["ttft_ms"] = Range(row.Ttft),
                    ["decode_ms_per_token"] = Range(row.Decode),
                },
                ["kv_bytes"] = row.Samples[^1].KvBytes,
                ["kv_bytes_model"] = CostModel.KvCacheBytes(_geometry, row.Workload, _kvElementSize),
                ["peak_rss_bytes"] = row.PeakRss,
                ["flops"] = new JsonObject
                {
                    ["encoder"] = prefill.Encoder,
                    ["projector"] = prefill.Projector,
                    ["decoder"] = prefill.Decoder + prefill.Logits,
                },
                ["decode_bytes_per_token"] = DecodeBytesPerStep(row.Workload),
                ["fractions"] = Fractions(row, prefill),
                ["fractions_per_round"] = FractionsPerRound(row, prefill),
            };
            if (!ReferenceEquals(row, vanilla))
            {
                double measured = vanilla.Ttft.Median / row.Ttft.Median;
                double bound = CostModel.TimeToFirstTokenSpeedupBound(_geometry, vanilla.Workload, row.Workload);
                run["speedup_measured"] = Number(measured);
                // The same ratio round by round: each round ran both configurations next to each other, so a slow
                // minute slows both and cancels in their ratio (the medians above may come from different rounds).
                var paired = PairedSpeedups(vanilla.Samples, row.Samples);
                run["speedup_per_round"] = new JsonArray([.. paired.Select(Number)]);
                run["speedup_paired_median"] = Number(Stat.Of(paired).Median);
                run["speedup_bound"] = Number(bound);
                run["speedup_of_bound"] = Number(measured / bound);
                run["prefill_speedup_measured"] = Number(vanilla.Prefill.Median / row.Prefill.Median);
                run["prefill_speedup_bound"] = Number(CostModel.PrefillSpeedupBound(_geometry, vanilla.Workload, row.Workload));
                run["kv_ratio"] = Number((double)vanilla.Samples[^1].KvBytes / row.Samples[^1].KvBytes);
                run["prompt_ratio"] = Number((double)vanilla.Workload.PromptTokens / row.Workload.PromptTokens);
                run["reduce_of_encoder"] = Number(row.Reduce.Median / row.Encoder.Median);
            }

            runs.Add(run);
        }

        return new JsonObject
        {
            ["model"] = _model,
            ["synthetic"] = _request.Synthetic,
            ["dtype"] = _dtypeName,
            ["weights"] = _request.Int8Weights ? "int8" : _dtypeName,
            ["reducer"] = _request.Reducer,
            ["image"] = Path.GetFileName(_request.ImagePath),
            ["runs_per_configuration"] = _request.Runs,
            ["warmup_rounds"] = _request.Warmup,
            ["decode_tokens"] = _request.DecodeTokens,
            ["load_ms"] = Number(_loadMs),
            ["geometry"] = new JsonObject
            {
                ["encoder_layers_run"] = _geometry.Encoder.Layers,
                ["encoder_hidden"] = _geometry.Encoder.Hidden,
                ["decoder_layers"] = _geometry.Decoder.Layers,
                ["decoder_hidden"] = _geometry.Decoder.Hidden,
                ["decoder_intermediate"] = _geometry.Decoder.Intermediate,
                ["heads"] = _geometry.Decoder.Heads,
                ["kv_heads"] = _geometry.Decoder.KeyValueHeads,
                ["vocab"] = _geometry.Decoder.Vocab,
            },
            ["machine"] = new JsonObject
            {
                ["cores"] = Environment.ProcessorCount,
                ["torch_threads"] = TorchSharp.torch.get_num_threads(),
                ["os"] = System.Runtime.InteropServices.RuntimeInformation.OSDescription,
                ["runtime"] = System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription,
            },
            ["limits"] = _limits is null ? null : LimitsJson(_limits.Median),
            ["limits_per_round"] = _limits is null ? null : new JsonArray([.. _limits.PerRound.Select(LimitsJson)]),
            ["runs"] = runs,
        };
    }

    private static JsonObject LimitsJson(MachineLimits limits) => new()
    {
        ["matmul_gflops"] = new JsonObject(limits.MatmulGflops.Select(p => KeyValuePair.Create(p.Key, Number(p.Value)))),
        ["matmul_shape"] = limits.MatmulShape,
        ["bandwidth_gbs"] = Number(limits.BandwidthGbs),
    };

    // Bytes a step reads at mid-decode (the KV cache holds the prompt and half the steps), the mean over the timed steps.
    private double DecodeBytesPerStep(Workload workload) =>
        _geometry.Decoder.DecodeBytesPerToken(workload.PromptTokens + _request.DecodeTokens / 2, _weightBytes, _kvElementSize);

    // Each run's stages against the limits of the round it ran in (null without limits or without this dtype's probe).
    private IReadOnlyList<StageFractions>? PerRound(BenchRow row, PrefillCost prefill) =>
        _limits is null || !_limits.Median.MatmulGflops.ContainsKey(_dtypeName)
            ? null
            : StageFractions.PerRound(new StageWork(prefill.Encoder, prefill.Decoder + prefill.Logits, DecodeBytesPerStep(row.Workload)), row.Samples, _limits, _dtypeName);

    // The median over the rounds of each run's fractions of its own round's limits.
    private JsonObject? Fractions(BenchRow row, PrefillCost prefill) =>
        PerRound(row, prefill) is { } rounds ? FractionsJson(StageFractions.Median(rounds)) : null;

    private JsonArray? FractionsPerRound(BenchRow row, PrefillCost prefill) =>
        PerRound(row, prefill) is { } rounds ? new JsonArray([.. rounds.Select(FractionsJson)]) : null;

    private static JsonObject FractionsJson(StageFractions f) => new()
    {
        ["encoder_gflops"] = Number(f.EncoderGflops),
        ["encoder_of_matmul"] = Number(f.EncoderOfMatmul),
        ["prefill_gflops"] = Number(f.PrefillGflops),
        ["prefill_of_matmul"] = Number(f.PrefillOfMatmul),
        ["decode_gbs"] = Number(f.DecodeGbs),
        ["decode_of_bandwidth"] = Number(f.DecodeOfBandwidth),
    };

    /// <summary>Plain-text tables (markdown) for the terminal.</summary>
    public void WriteTables(TextWriter output)
    {
        var json = ToJson();
        var c = CultureInfo.InvariantCulture;
        output.WriteLine(string.Create(c, $"model: {_model}; {_dtypeName}{(_request.Int8Weights ? " + int8 weights" : "")}; {_request.Runs} runs after {_request.Warmup} warm-up; image {Path.GetFileName(_request.ImagePath)}; loaded in {_loadMs / 1000:F1} s"));
        if (_limits is not null)
        {
            var median = _limits.Median;
            string Rate(string dtype)
            {
                var spread = _limits.Spread(l => l.MatmulGflops[dtype]);
                return string.Create(c, $"{dtype} {median.MatmulGflops[dtype]:F0} ({spread.Min:F0}-{spread.Max:F0})");
            }

            var bandwidth = _limits.Spread(l => l.BandwidthGbs);
            output.WriteLine(string.Create(c,
                $"limits, measured in each of the {_limits.PerRound.Count} rounds (median, min-max): matmul {median.MatmulShape}: {string.Join(", ", median.MatmulGflops.Keys.Select(Rate))} GFLOP/s; read bandwidth {median.BandwidthGbs:F1} ({bandwidth.Min:F1}-{bandwidth.Max:F1}) GB/s"));
        }

        output.WriteLine();
        output.WriteLine("| configuration | visual tokens | prompt | preprocess ms | encoder ms | reduce ms | projector ms | prefill ms | time to first token ms (min-max) | decode ms/token | KV MB | speedup (bound) |");
        output.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        var runs = json["runs"]!.AsArray();
        for (int i = 0; i < Rows.Count; i++)
        {
            var row = Rows[i];
            var run = runs[i]!.AsObject();
            string speedup = run["speedup_measured"] is { } m ? string.Create(c, $"{(double)m:F2}x ({(double)run["speedup_bound"]!:F2}x)") : "";
            output.WriteLine(string.Create(c,
                $"| {row.Configuration.Label} | {row.Workload.VisualTokens} | {row.Workload.PromptTokens} | {row.Preprocess.Median:F1} | {row.Encoder.Median:F1} | {row.Reduce.Median:F2} | {row.Projector.Median:F1} | {row.Prefill.Median:F1} | {row.Ttft.Median:F1} ({row.Ttft.Min:F0}-{row.Ttft.Max:F0}) | {(double.IsFinite(row.Decode.Median) ? row.Decode.Median.ToString("F1", c) : "-")} | {row.Samples[^1].KvBytes / 1e6:F1} | {speedup} |"));
        }

        if (_limits is not null && runs.Count > 0 && runs[0]!["fractions"] is not null)
        {
            output.WriteLine();
            output.WriteLine("Each run against the limits measured in its own round; median over the rounds:");
            output.WriteLine();
            output.WriteLine($"| configuration | encoder GFLOP/s (of {_dtypeName} matmul) | prefill GFLOP/s (of {_dtypeName} matmul) | decode GB/s (of bandwidth) |");
            output.WriteLine("| --- | ---: | ---: | ---: |");
            for (int i = 0; i < Rows.Count; i++)
            {
                var f = runs[i]!["fractions"]!;
                output.WriteLine(string.Create(c,
                    $"| {Rows[i].Configuration.Label} | {(double?)f["encoder_gflops"]:F0} ({(double?)f["encoder_of_matmul"]:P0}) | {(double?)f["prefill_gflops"]:F0} ({(double?)f["prefill_of_matmul"]:P0}) | {(double?)f["decode_gbs"]:F1} ({(double?)f["decode_of_bandwidth"]:P0}) |"));
            }
        }
    }

    /// <summary>Vanilla time to first token over the reduced one, round by round (the samples are in round order).</summary>
    internal static double[] PairedSpeedups(IReadOnlyList<BenchSample> vanilla, IReadOnlyList<BenchSample> reduced) =>
        [.. vanilla.Zip(reduced, (v, r) => v.TimeToFirstTokenMs / r.TimeToFirstTokenMs)];

    private static JsonNode? Number(double value) => double.IsFinite(value) ? JsonValue.Create(Math.Round(value, 4)) : null;

    private static JsonArray Range(Stat stat) => [Number(stat.Min), Number(stat.Max)];
}

/// <summary>One configuration's samples and their statistics (milliseconds).</summary>
internal sealed record BenchRow(
    BenchConfiguration Configuration,
    IReadOnlyList<BenchSample> Samples,
    Workload Workload,
    Stat Encoder,
    Stat Reduce,
    Stat Projector,
    Stat Preprocess,
    Stat Prefill,
    Stat Ttft,
    Stat Decode,
    long PeakRss);
