using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace VisionZip.Benchmarks.Peer;

/// <summary>The <c>peer</c> report: a Markdown table with the targets' verdicts, and the same figures as JSON.</summary>
public static class PeerReport
{
    private static readonly CultureInfo Text = CultureInfo.InvariantCulture;

    /// <summary>Writes the Markdown report.</summary>
    public static void WriteMarkdown(TextWriter output, PeerResult result)
    {
        var o = result.Options;
        int n = o.DecodeTokens;
        bool scaled = result.FullDepth is not null;
        output.WriteLine(F($"## Ours vs LLamaSharp 0.30 (llama.cpp CPU backend): {result.Description}"));
        output.WriteLine();
        output.WriteLine(F($"{Environment.ProcessorCount} cores, {o.Threads} threads on both sides; read bandwidth median {PeerStats.Median(result.Bandwidths):F1} GB/s ") +
            F($"(min {result.Bandwidths.Min():F1}, max {result.Bandwidths.Max():F1}); load average {result.LoadBefore} before, {result.LoadAfter} after; ") +
            F($"{o.Rounds} timed rounds after {o.Warmup} warm-up, rows alternated; median (min). An answer is the first token plus {n} greedy steps, ") +
            F($"end-of-sequence ignored. LLamaSharp gets the vanilla prompt as {o.TextTokens} + 576 token ids and has no CLIP encoder here."));
        if (result.LlamaSystemInfo.Length > 0)
        {
            output.WriteLine();
            output.WriteLine(F($"llama.cpp system info: `{result.LlamaSystemInfo}`"));
        }

        output.WriteLine();
        output.WriteLine(F($"| side | prompt | prompt tokens | encoder (image file to tokens) | prefill | time to first token | decode step | bytes per step, fraction of bandwidth | {n}-token answer | + our vanilla encoder (estimate) |") +
            (scaled ? " full depth, scaled (estimate) |" : ""));
        output.WriteLine("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |" + (scaled ? " ---: |" : ""));
        double? encoder = result.OurVanillaEncoderMs;
        foreach (var row in result.Rows)
        {
            bool ours = row.Format.IsOurs();
            string estimate = !ours && encoder is double e ? Time(row.Median(s => s.AnswerMs(n)) + e) : "";
            string full = "";
            if (scaled)
            {
                double answer = result.ScaledAnswerMs(row);
                full = ours || encoder is null ? Time(answer) : F($"{Time(answer)} (+ encoder {Time(answer + encoder.Value)})");
                full = $" {full} |";
            }

            output.WriteLine(F($"| {row.Format.Label()} | {row.Configuration} | {row.Samples[0].PromptTokens} | {(ours ? Time(row.Median(s => s.EncoderMs)) : "none")} | ") +
                F($"{Pair(row, s => s.PrefillMs)} | {Pair(row, s => s.TimeToFirstTokenMs)} | {Pair(row, s => s.DecodeMsPerToken)} | ") +
                F($"{row.BytesPerStep / 1e9:F3} GB, {PeerStats.Median(row.Fractions):P0} | {Pair(row, s => s.AnswerMs(n))} | {estimate} |{full}"));
        }

        var llama = result.Rows.Where(r => !r.Format.IsOurs()).ToList();
        if (llama.Count > 0)
        {
            output.WriteLine();
            int shortPrompt = o.TextTokens + 64;
            output.WriteLine("LLamaSharp's prefill of the vanilla prompt and of one as long as VisionZip 64's:");
            output.WriteLine();
            output.WriteLine(F($"| side | prefill {o.TextTokens + 576} tokens | prefill {shortPrompt} tokens |"));
            output.WriteLine("| --- | ---: | ---: |");
            foreach (var row in llama)
            {
                output.WriteLine(F($"| {row.Format.Label()} | {Pair(row, s => s.PrefillMs)} | {Pair(row, s => s.ShortPrefillMs)} |"));
            }
        }

        output.WriteLine();
        foreach (var line in Verdicts(result))
        {
            output.WriteLine($"- {line}");
        }
    }

    /// <summary>The targets of issue 10 that this run can judge, one line each.</summary>
    public static IReadOnlyList<string> Verdicts(PeerResult result)
    {
        int n = result.Options.DecodeTokens;
        var lines = new List<string>();
        var zipped = result.Rows.Where(r => r.Format.IsOurs() && r.Configuration == "visionzip-64").ToList();
        var q4 = result.Rows.FirstOrDefault(r => r.Format == PeerFormat.LlamaQ4_K_M);
        if (zipped.Count > 0 && q4 is not null)
        {
            var best = zipped.MinBy(r => r.Median(s => s.AnswerMs(n)))!;
            double ours = best.Median(s => s.AnswerMs(n));
            double theirs = q4.Median(s => s.AnswerMs(n));
            lines.Add(F($"{n}-token answer, ours VisionZip 64 ({best.Format.Label()}) {Time(ours)} vs LLamaSharp Q4_K_M vanilla {Time(theirs)} without an encoder") +
                (result.OurVanillaEncoderMs is double e ? F($" ({Time(theirs + e)} with ours added)") : "") +
                F($": target (ours shorter) {(ours < theirs ? "holds" : "does not hold")} at {result.Decoder.Layers} layers."));
            double oursBest = zipped.Min(r => r.Min(s => s.AnswerMs(n)));
            double theirsBest = q4.Min(s => s.AnswerMs(n));
            lines.Add(F($"Best round against best round (the least contended): ours {Time(oursBest)} vs LLamaSharp Q4_K_M {Time(theirsBest)}: ") +
                F($"{(oursBest < theirsBest ? "holds" : "does not hold")}."));
            if (result.FullDepth is not null)
            {
                double oursFull = result.ScaledAnswerMs(best);
                double theirsFull = result.ScaledAnswerMs(q4);
                lines.Add(F($"Scaled to {result.FullDepth.Layers} layers (estimate: prefill by the FLOP model, steps by bytes): ours {Time(oursFull)} vs LLamaSharp Q4_K_M {Time(theirsFull)}") +
                    (result.OurVanillaEncoderMs is double e2 ? F($" ({Time(theirsFull + e2)} with ours added)") : "") +
                    F($": {(oursFull < theirsFull ? "holds" : "does not hold")} by this estimate."));
            }
        }

        var oursBf16 = result.Rows.FirstOrDefault(r => r.Format == PeerFormat.OursBf16 && r.Configuration == "vanilla");
        var llamaBf16 = result.Rows.FirstOrDefault(r => r.Format == PeerFormat.LlamaBf16);
        if (oursBf16 is not null && llamaBf16 is not null)
        {
            var ratios = oursBf16.Samples.Zip(llamaBf16.Samples, (a, b) => a.DecodeMsPerToken / b.DecodeMsPerToken);
            double ratio = PeerStats.Median(ratios);
            double best = oursBf16.Min(s => s.DecodeMsPerToken) / llamaBf16.Min(s => s.DecodeMsPerToken);
            lines.Add(F($"Decode step, ours bf16 over LLamaSharp BF16 (median of per-round ratios): {ratio:F2}x; target <= 1.2x {(ratio <= 1.2 ? "holds" : "does not hold")}; ") +
                F($"best step over best step {best:F2}x."));
        }

        var oursInt8 = result.Rows.FirstOrDefault(r => r.Format == PeerFormat.OursInt8 && r.Configuration == "vanilla");
        if (oursInt8 is not null && llamaBf16 is not null)
        {
            double ratio = PeerStats.Median(oursInt8.Samples.Zip(llamaBf16.Samples, (a, b) => a.DecodeMsPerToken / b.DecodeMsPerToken));
            lines.Add(F($"Decode step, ours int8 over LLamaSharp BF16: {ratio:F2}x (for comparison; the target names bf16)."));
        }

        return lines;
    }

    /// <summary>The figures as one JSON object.</summary>
    public static string ToJson(PeerResult result)
    {
        int n = result.Options.DecodeTokens;
        var rows = new JsonArray();
        foreach (var row in result.Rows)
        {
            var node = new JsonObject
            {
                ["side"] = row.Format.Name(),
                ["configuration"] = row.Configuration,
                ["prompt_tokens"] = row.Samples[0].PromptTokens,
                ["visual_tokens"] = row.Samples[0].VisualTokens,
                ["encoder_ms"] = Stat(row, s => s.EncoderMs),
                ["prefill_ms"] = Stat(row, s => s.PrefillMs),
                ["ttft_ms"] = Stat(row, s => s.TimeToFirstTokenMs),
                ["decode_ms_per_token"] = Stat(row, s => s.DecodeMsPerToken),
                ["answer_ms"] = Stat(row, s => s.AnswerMs(n)),
                ["bytes_per_step"] = row.BytesPerStep,
                ["fraction_of_bandwidth"] = PeerStats.Median(row.Fractions),
            };
            if (!row.Format.IsOurs())
            {
                node["short_prefill_ms"] = Stat(row, s => s.ShortPrefillMs);
            }

            if (result.FullDepth is not null)
            {
                node["answer_ms_full_depth_estimate"] = result.ScaledAnswerMs(row);
            }

            rows.Add(node);
        }

        var json = new JsonObject
        {
            ["checkpoint"] = result.Description,
            ["llm_layers"] = result.Decoder.Layers,
            ["full_depth_layers"] = result.FullDepth?.Layers,
            ["cores"] = Environment.ProcessorCount,
            ["threads"] = result.Options.Threads,
            ["rounds"] = result.Options.Rounds,
            ["decode_tokens"] = n,
            ["bandwidth_gbs"] = new JsonArray([.. result.Bandwidths.Select(b => (JsonNode)b)]),
            ["load_average_before"] = result.LoadBefore,
            ["load_average_after"] = result.LoadAfter,
            ["our_vanilla_encoder_ms"] = result.OurVanillaEncoderMs,
            ["llama_system_info"] = result.LlamaSystemInfo,
            ["rows"] = rows,
            ["verdicts"] = new JsonArray([.. Verdicts(result).Select(v => (JsonNode)v)]),
        };
        return json.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    private static JsonObject Stat(PeerRow row, Func<PeerSample, double> pick) =>
        new() { ["median"] = Finite(row.Median(pick)), ["min"] = Finite(row.Min(pick)), ["samples"] = new JsonArray([.. row.Samples.Select(s => (JsonNode?)Finite(pick(s)))]) };

    private static double? Finite(double value) => double.IsFinite(value) ? value : null;

    private static string Pair(PeerRow row, Func<PeerSample, double> pick) => F($"{Time(row.Median(pick))} ({Time(row.Min(pick))})");

    private static string Time(double ms) => !double.IsFinite(ms) ? "n/a" : ms >= 1000 ? F($"{ms / 1000:F2} s") : F($"{ms:F1} ms");

    private static string F(FormattableString text) => text.ToString(Text);
}
