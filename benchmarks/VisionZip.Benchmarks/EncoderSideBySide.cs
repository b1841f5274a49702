using System.Diagnostics;
using System.Globalization;
using VisionZip.Models.Performance;
using VisionZip.Models.Vision;
using static TorchSharp.torch;
using static VisionZip.Benchmarks.CallTiming;

namespace VisionZip.Benchmarks;

/// <summary>
/// The CLIP-L/336 encoder to LLaVA-1.5's feature layer (23 of 24 layers, 577 tokens), before and after this branch's
/// changes, alternated in one process against the matmul probe <c>MachineLimits</c> uses:
/// <c>dotnet run -c Release --project benchmarks/VisionZip.Benchmarks -- encoder-measure encoder [fp32|bf16] [rounds]</c>.
/// "before" is the previous layer written out with functional ops over the same weights (separate q/k/v products,
/// <c>x * sigmoid(1.702 x)</c> with three new tensors, residuals into new tensors); "after" is
/// <see cref="VisionTower.EncodeVanilla(Tensor)"/>. Each round runs the probe, then both encoders in a rotating order;
/// each encoder's fraction of the probe's rate is taken within the round and the median over rounds reported (so a
/// load spike from other processes hits a round, not one side). Also checks that both give the same features.
/// </summary>
public static class EncoderSideBySide
{
    /// <summary>Runs <paramref name="rounds"/> rounds in <paramref name="dtypeName"/> and prints a Markdown table.</summary>
    public static int Run(string dtypeName, int rounds)
    {
        var dtype = dtypeName == "fp32" ? ScalarType.Float32 : ScalarType.BFloat16;
        var config = VisionConfig.ClipVitLarge336;
        using var noGrad = no_grad();
        using var tower = VisionTower.CreateRandom(config, dtype: dtype, seed: 1);
        var weights = tower.Transformer.named_parameters().ToDictionary(p => p.name, p => (Tensor)p.parameter);
        using var pixels = randn(1, 3, config.ImageSize, config.ImageSize).to(dtype);
        int layers = tower.FeatureHiddenStateIndex;
        double flops = EncoderGeometry.ClipLarge336.CropFlops;                          // the cost model's count, as bench uses
        using var left = randn(576, 4096).to(dtype);
        using var right = randn(4096, 11008).to(dtype);
        double probeFlops = 2.0 * 576 * 4096 * 11008;

        Tensor Before()
        {
            using var scope = NewDisposeScope();
            var hidden = tower.Transformer.ForwardHiddenState(pixels, 0);                  // the embeddings, unchanged
            for (int layer = 0; layer < layers; layer++)
            {
                var next = PreviousLayer(hidden, $"encoder.layers.{layer}.", weights, config);
                hidden.Dispose();
                hidden = next;
            }

            return hidden.narrow(1, 1, hidden.shape[1] - 1).MoveToOuterDisposeScope();
        }

        Tensor After() => tower.EncodeVanilla(pixels);

        using (var a = Before())
        using (var b = After())
        {
            double difference = (a.to(ScalarType.Float32) - b.to(ScalarType.Float32)).abs().max().item<float>();
            double scale = a.to(ScalarType.Float32).abs().max().item<float>();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"max |before - after| = {difference:G3} (max |before| = {scale:G3})"));
        }

        var beforeMs = new List<double>();
        var afterMs = new List<double>();
        var beforeFraction = new List<double>();
        var afterFraction = new List<double>();
        var beforeCpuFraction = new List<double>();
        var afterCpuFraction = new List<double>();
        var probeRates = new List<double>();
        for (int round = 0; round < rounds; round++)
        {
            var (probeRate, probeCpuRate) = ProbeRates(left, right, probeFlops);
            probeRates.Add(probeRate);
            (double WallMs, double CpuMs) x, y;
            if (round % 2 == 0)
            {
                x = TimeBoth(Before);
                y = TimeBoth(After);
            }
            else
            {
                y = TimeBoth(After);
                x = TimeBoth(Before);
            }

            beforeMs.Add(x.WallMs);
            afterMs.Add(y.WallMs);
            beforeFraction.Add(flops / x.WallMs / 1e6 / probeRate);
            afterFraction.Add(flops / y.WallMs / 1e6 / probeRate);
            beforeCpuFraction.Add(flops / x.CpuMs / 1e6 / probeCpuRate);
            afterCpuFraction.Add(flops / y.CpuMs / 1e6 / probeCpuRate);
        }

        var inv = CultureInfo.InvariantCulture;
        Console.WriteLine(string.Create(inv,
            $"{dtypeName}, {rounds} rounds, {layers} layers, {flops / 1e9:F1} GFLOP; probe {Median(probeRates):F0} GFLOP/s median ({probeRates.Min():F0}-{probeRates.Max():F0})"));
        Console.WriteLine("| encoder | median ms | min-max ms | GFLOP/s (median) | of probe, wall (median of rounds) | of probe, per CPU second |");
        Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: |");
        foreach (var (name, ms, fraction, cpuFraction) in new[] { ("before", beforeMs, beforeFraction, beforeCpuFraction), ("after", afterMs, afterFraction, afterCpuFraction) })
        {
            Console.WriteLine(string.Create(inv,
                $"| {name} | {Median(ms):F0} | {ms.Min():F0}-{ms.Max():F0} | {flops / Median(ms) / 1e6:F0} | {Median(fraction):P0} | {Median(cpuFraction):P0} |"));
        }

        var ratio = beforeMs.Zip(afterMs, (b, a) => b / a).ToList();
        Console.WriteLine(string.Create(inv, $"speedup after/before per round: median {Median(ratio):F2}x ({ratio.Min():F2}-{ratio.Max():F2})"));
        return 0;
    }

    // The encoder layer as it was before this branch: separate q/k/v products, quick_gelu as x * sigmoid(1.702 x) with
    // three new tensors, residuals into new tensors. SDPA as before.
    private static Tensor PreviousLayer(Tensor hidden, string prefix, Dictionary<string, Tensor> weights, VisionConfig config)
    {
        using var scope = NewDisposeScope();
        long batch = hidden.shape[0], tokens = hidden.shape[1], heads = config.NumAttentionHeads, headDim = config.HeadDim;
        Tensor W(string name) => weights[prefix + name];
        Tensor Split(Tensor x) => x.view(batch, tokens, heads, headDim).transpose(1, 2);
        Tensor Linear(Tensor x, string name) => nn.functional.linear(x, W(name + ".weight"), W(name + ".bias"));

        var normed = nn.functional.layer_norm(hidden, [config.HiddenSize], W("layer_norm1.weight"), W("layer_norm1.bias"), config.LayerNormEps);
        var query = Split(Linear(normed, "self_attn.q_proj"));
        var key = Split(Linear(normed, "self_attn.k_proj"));
        var value = Split(Linear(normed, "self_attn.v_proj"));
        var context = nn.functional.scaled_dot_product_attention(query, key, value).transpose(1, 2).reshape(hidden.shape);
        var attended = hidden + Linear(context, "self_attn.out_proj");
        var normed2 = nn.functional.layer_norm(attended, [config.HiddenSize], W("layer_norm2.weight"), W("layer_norm2.bias"), config.LayerNormEps);
        var intermediate = Linear(normed2, "mlp.fc1");
        var activated = intermediate * (intermediate * 1.702).sigmoid();
        return (attended + Linear(activated, "mlp.fc2")).MoveToOuterDisposeScope();
    }
}
