using System.Diagnostics;
using System.Globalization;
using VisionZip.Models.Language;
using static TorchSharp.torch;
using static VisionZip.Benchmarks.CallTiming;

namespace VisionZip.Benchmarks;

/// <summary>
/// A 7B-width LLaMA prefill (<see cref="PrefillCheckpoint"/>: 2 layers, hidden 4096, MLP 11008, 32 heads) over 103 and
/// 615 positions (LLaVA-1.5 with VisionZip 64 and vanilla), before and after this branch's changes, alternated in one
/// process with the matmul probe <c>MachineLimits</c> uses:
/// <c>dotnet run -c Release --project benchmarks/VisionZip.Benchmarks -- encoder-measure prefill [fp32|bf16] [rounds]</c>.
/// "before" is the previous decoder layer written out with functional ops over the same weights (residuals, SwiGLU,
/// RMSNorm and RoPE into new tensors, a boolean [T, T] causal mask); "after" is
/// <see cref="LlamaForCausalLM.ForwardEmbeddings"/>. Both run without a KV cache and take the last position's logits.
/// Fractions of the probe's rate are taken within each round, medians reported. FLOPs: the linears, the lm_head for one
/// position and attention counted dense (4 T^2 d per layer), as the cost model counts them.
/// </summary>
public static class PrefillSideBySide
{
    private static readonly int[] Lengths = [103, 615];

    /// <summary>Runs <paramref name="rounds"/> rounds in <paramref name="dtypeName"/> and prints a Markdown table.</summary>
    public static int Run(string dtypeName, int rounds)
    {
        var dtype = dtypeName == "fp32" ? ScalarType.Float32 : ScalarType.BFloat16;
        using var noGrad = no_grad();
        using var model = LlamaForCausalLM.Load(PrefillCheckpoint.Ensure(), dtype);
        var weights = model.named_parameters().ToDictionary(p => p.name, p => (Tensor)p.parameter);
        var config = model.Config;
        using var invFreq = LlamaRotaryEmbedding.InverseFrequencies(config);
        var inputs = Lengths.Select(t => (randn(1, t, config.HiddenSize) * 0.5).to(dtype)).ToArray();
        using var left = randn(576, 4096).to(dtype);
        using var right = randn(4096, 11008).to(dtype);
        double probeFlops = 2.0 * 576 * 4096 * 11008;

        double Flops(long t)
        {
            double d = config.HiddenSize, m = config.IntermediateSize;
            return config.NumHiddenLayers * (2.0 * t * (4 * d * d + 3 * d * m) + 4.0 * t * t * d) + 2.0 * d * config.VocabSize;
        }

        Tensor Before(Tensor input)
        {
            using var scope = NewDisposeScope();
            long t = input.shape[1];
            var angles = outer(arange(0, t, dtype: ScalarType.Float32), invFreq);
            angles = cat([angles, angles], -1);
            var (cos, sin) = (angles.cos().to(dtype), angles.sin().to(dtype));
            var mask = ones(t, t, ScalarType.Bool).tril();
            var hidden = input;
            for (int layer = 0; layer < config.NumHiddenLayers; layer++)
            {
                hidden = PreviousLayer(hidden, $"model.layers.{layer}.", weights, config, cos, sin, mask);
            }

            var last = PreviousRmsNorm(hidden, weights["model.norm.weight"], config.RmsNormEps).select(1, t - 1);
            return nn.functional.linear(last, weights["lm_head.weight"]).to(ScalarType.Float32).MoveToOuterDisposeScope();
        }

        for (int i = 0; i < inputs.Length; i++)
        {
            using var a = Before(inputs[i]);
            using var b = model.ForwardEmbeddings(inputs[i]);
            double difference = (a - b).abs().max().item<float>();
            double scale = a.abs().max().item<float>();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{Lengths[i]} positions: max |before - after| logits = {difference:G3} (max |before| = {scale:G3})"));
        }

        var ms = new Dictionary<string, List<double>>();
        var fractions = new Dictionary<string, List<double>>();
        var cpuFractions = new Dictionary<string, List<double>>();
        var probeRates = new List<double>();
        for (int round = 0; round < rounds; round++)
        {
            var (probeRate, probeCpuRate) = ProbeRates(left, right, probeFlops);
            probeRates.Add(probeRate);
            var cases = Lengths.SelectMany((t, i) => new (string Name, long T, Func<Tensor> Run)[]
            {
                ($"before {t}", t, () => Before(inputs[i])),
                ($"after {t}", t, () => model.ForwardEmbeddings(inputs[i])),
            }).ToArray();
            for (int j = 0; j < cases.Length; j++)
            {
                var (name, t, run) = cases[(round + j) % cases.Length];
                var (elapsed, cpu) = TimeBoth(run);
                (ms.TryGetValue(name, out var list) ? list : ms[name] = []).Add(elapsed);
                (fractions.TryGetValue(name, out var f) ? f : fractions[name] = []).Add(Flops(t) / elapsed / 1e6 / probeRate);
                (cpuFractions.TryGetValue(name, out var c) ? c : cpuFractions[name] = []).Add(Flops(t) / cpu / 1e6 / probeCpuRate);
            }
        }

        var inv = CultureInfo.InvariantCulture;
        Console.WriteLine(string.Create(inv,
            $"{dtypeName}, {rounds} rounds, {config.NumHiddenLayers} layers; probe {Median(probeRates):F0} GFLOP/s median ({probeRates.Min():F0}-{probeRates.Max():F0})"));
        Console.WriteLine("| prefill | median ms | min-max ms | of probe, wall (median of rounds) | of probe, per CPU second |");
        Console.WriteLine("| --- | ---: | ---: | ---: | ---: |");
        foreach (var name in Lengths.SelectMany(t => new[] { $"before {t}", $"after {t}" }))
        {
            Console.WriteLine(string.Create(inv, $"| {name} | {Median(ms[name]):F0} | {ms[name].Min():F0}-{ms[name].Max():F0} | {Median(fractions[name]):P0} | {Median(cpuFractions[name]):P0} |"));
        }

        foreach (int t in Lengths)
        {
            var ratio = ms[$"before {t}"].Zip(ms[$"after {t}"], (b, a) => b / a).ToList();
            Console.WriteLine(string.Create(inv, $"{t} positions: speedup after/before per round median {Median(ratio):F2}x ({ratio.Min():F2}-{ratio.Max():F2})"));
        }

        foreach (var (t, input) in Lengths.Zip(inputs))
        {
            var breakdown = new Dictionary<string, List<double>>();
            for (int round = 0; round < rounds; round++)
            {
                var angles = outer(arange(0, t, dtype: ScalarType.Float32), invFreq);
                angles = cat([angles, angles], -1);
                using var cos = angles.cos().to(dtype);
                using var sin = angles.sin().to(dtype);
                using var mask = ones(t, t, ScalarType.Bool).tril();
                using var scope = NewDisposeScope();
                TimedLayer(input, "model.layers.0.", weights, config, cos, sin, mask, breakdown);
            }

            Console.WriteLine(string.Create(inv, $"one layer at {t} positions, op by op (median ms): ") +
                string.Join(", ", breakdown.Select(p => string.Create(inv, $"{p.Key} {Median(p.Value):F1}"))));
            input.Dispose();
        }

        return 0;
    }

    // The decoder layer as it was before this branch (transformers LlamaDecoderLayer, MHA, no cache).
    private static Tensor PreviousLayer(Tensor hidden, string prefix, Dictionary<string, Tensor> weights, DecoderConfig config,
        Tensor cos, Tensor sin, Tensor mask)
    {
        using var scope = NewDisposeScope();
        long batch = hidden.shape[0], t = hidden.shape[1], heads = config.NumAttentionHeads, headDim = config.HeadDim;
        Tensor W(string name) => weights[prefix + name + ".weight"];
        Tensor Heads(Tensor x) => x.view(batch, t, heads, headDim).transpose(1, 2);
        var normed = PreviousRmsNorm(hidden, W("input_layernorm"), config.RmsNormEps);
        var query = PreviousRope(Heads(nn.functional.linear(normed, W("self_attn.q_proj"))), cos, sin);
        var key = PreviousRope(Heads(nn.functional.linear(normed, W("self_attn.k_proj"))), cos, sin);
        var value = Heads(nn.functional.linear(normed, W("self_attn.v_proj")));
        var context = nn.functional.scaled_dot_product_attention(query, key, value, mask).transpose(1, 2).reshape(batch, t, heads * headDim);
        hidden = hidden + nn.functional.linear(context, W("self_attn.o_proj"));
        var normed2 = PreviousRmsNorm(hidden, W("post_attention_layernorm"), config.RmsNormEps);
        var gated = nn.functional.silu(nn.functional.linear(normed2, W("mlp.gate_proj"))) * nn.functional.linear(normed2, W("mlp.up_proj"));
        return (hidden + nn.functional.linear(gated, W("mlp.down_proj"))).MoveToOuterDisposeScope();
    }

    // PreviousLayer with a stopwatch around every op.
    private static void TimedLayer(Tensor hidden, string prefix, Dictionary<string, Tensor> weights, DecoderConfig config,
        Tensor cos, Tensor sin, Tensor mask, Dictionary<string, List<double>> times)
    {
        long batch = hidden.shape[0], t = hidden.shape[1], heads = config.NumAttentionHeads, headDim = config.HeadDim;
        Tensor W(string name) => weights[prefix + name + ".weight"];
        Tensor Heads(Tensor x) => x.view(batch, t, heads, headDim).transpose(1, 2);
        Tensor Op(string name, Func<Tensor> run)
        {
            long start = Stopwatch.GetTimestamp();
            var result = run();
            double elapsed = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            (times.TryGetValue(name, out var list) ? list : times[name] = []).Add(elapsed);
            return result;
        }

        var normed = Op("rmsnorm", () => PreviousRmsNorm(hidden, W("input_layernorm"), config.RmsNormEps));
        var q = Op("q", () => nn.functional.linear(normed, W("self_attn.q_proj")));
        var k = Op("k", () => nn.functional.linear(normed, W("self_attn.k_proj")));
        var v = Op("v", () => nn.functional.linear(normed, W("self_attn.v_proj")));
        var query = Op("rope", () => PreviousRope(Heads(q), cos, sin));
        var key = Op("rope", () => PreviousRope(Heads(k), cos, sin));
        var context = Op("sdpa", () => nn.functional.scaled_dot_product_attention(query, key, Heads(v), is_casual: true));
        var merged = Op("merge", () => context.transpose(1, 2).reshape(batch, t, heads * headDim));
        var o = Op("o", () => nn.functional.linear(merged, W("self_attn.o_proj")));
        var attended = Op("add", () => o.add_(hidden));
        var normed2 = Op("rmsnorm", () => PreviousRmsNorm(attended, W("post_attention_layernorm"), config.RmsNormEps));
        var gate = Op("gate", () => nn.functional.linear(normed2, W("mlp.gate_proj")));
        var up = Op("up", () => nn.functional.linear(normed2, W("mlp.up_proj")));
        var gated = Op("silu*up", () => nn.functional.silu(gate, inplace: true).mul_(up));
        var down = Op("down", () => nn.functional.linear(gated, W("mlp.down_proj")));
        Op("add", () => down.add_(attended));
    }

    private static Tensor PreviousRmsNorm(Tensor input, Tensor weight, double eps)
    {
        using var scope = NewDisposeScope();
        var hidden = input.to(ScalarType.Float32);
        var variance = hidden.pow(2).mean([-1], keepdim: true);
        hidden = hidden * rsqrt(variance + eps);
        return (weight * hidden.to(input.dtype)).MoveToOuterDisposeScope();
    }

    private static Tensor PreviousRope(Tensor input, Tensor cos, Tensor sin)
    {
        using var scope = NewDisposeScope();
        long half = input.shape[^1] / 2;
        var rotated = cat([input.narrow(-1, half, half).neg(), input.narrow(-1, 0, half)], -1);
        return (input * cos + rotated * sin).MoveToOuterDisposeScope();
    }
}
