using VisionZip.Models.Performance;
using System.Diagnostics;
using System.Globalization;
using VisionZip.Models.Language;
using static TorchSharp.torch;

namespace VisionZip.Benchmarks;

/// <summary>
/// The decode step in every weight format and the machine's read bandwidth, measured alternately in one process
/// (<c>dotnet run -c Release --project benchmarks/VisionZip.Benchmarks -- decode-side-by-side [rounds]</c>): each
/// round measures the bandwidth, then one step of each format in a rotating order, so load from other processes hits
/// all of them alike. Ratios (fraction of the bandwidth bound, speedup over bfloat16) are taken within a round and
/// their median reported. Also times torch's own linear over the same bfloat16 weights (what the decoder used for a
/// step before the SIMD kernels). Prints a Markdown table.
/// </summary>
public static class DecodeSideBySide
{
    private static readonly DecodeWeights[] Formats = [DecodeWeights.Float32, DecodeWeights.BFloat16, DecodeWeights.Int8];

    /// <summary>Runs <paramref name="rounds"/> rounds and prints the table.</summary>
    public static int Run(int rounds)
    {
        using var noGrad = no_grad();
        using var bandwidth = new MemoryBandwidth();
        var models = Formats.Select(DecodeConfiguration.Load).ToArray();
        var caches = models.Select((model, i) => DecodeConfiguration.Prefill(model, seed: i + 1)).ToArray();
        try
        {
            var bf16Weights = models[1].named_parameters().Where(p => p.parameter.dim() == 2 && !p.name.Contains("embed_tokens", StringComparison.Ordinal))
                .Select(p => p.parameter).ToArray();
            double bf16WeightBytes = bf16Weights.Sum(w => (double)w.NumberOfElements * w.ElementSize);
            using var token = randn(1, 1, PrefillCheckpoint.HiddenSize).to(ScalarType.BFloat16);
            long next = 5;
            for (int warm = 0; warm < 3; warm++)
            {
                bandwidth.Measure();
                for (int f = 0; f < Formats.Length; f++)
                {
                    next = DecodeConfiguration.Step(models[f], caches[f], next);
                }

                TorchLinears(bf16Weights, token);
            }

            var bandwidths = new List<double>();
            var stepMs = Formats.Select(_ => new List<double>()).ToArray();
            var fractions = Formats.Select(_ => new List<double>()).ToArray();
            var speedups = Formats.Select(_ => new List<double>()).ToArray();
            var torchMs = new List<double>();
            var torchFractions = new List<double>();
            for (int round = 0; round < rounds; round++)
            {
                double gbs = bandwidth.Measure();
                bandwidths.Add(gbs);
                var times = new double[Formats.Length];
                for (int k = 0; k < Formats.Length; k++)
                {
                    int f = (round + k) % Formats.Length;
                    var clock = Stopwatch.StartNew();
                    next = DecodeConfiguration.Step(models[f], caches[f], next);
                    times[f] = clock.Elapsed.TotalMilliseconds;
                }

                double torchTime = TorchLinears(bf16Weights, token);
                torchMs.Add(torchTime);
                torchFractions.Add(bf16WeightBytes / 1e6 / torchTime / gbs);
                for (int f = 0; f < Formats.Length; f++)
                {
                    stepMs[f].Add(times[f]);
                    fractions[f].Add(DecodeConfiguration.BytesPerStep(Formats[f]) / 1e6 / times[f] / gbs);
                    speedups[f].Add(times[1] / times[f]);
                }
            }

            var text = CultureInfo.InvariantCulture;
            Console.WriteLine(string.Create(text, $"## Decode step, {PrefillCheckpoint.Layers} layers of Vicuna-7B width + lm_head, {DecodeConfiguration.PromptTokens} cached positions, {rounds} rounds"));
            Console.WriteLine(string.Create(text, $"read bandwidth: median {Median(bandwidths):F1} GB/s (min {bandwidths.Min():F1}, max {bandwidths.Max():F1}); {Environment.ProcessorCount} cores, torch threads {get_num_threads()}"));
            Console.WriteLine();
            Console.WriteLine("| weights | bytes read per step | step median | step min | GB/s at median | fraction of bandwidth bound (median of rounds) | speedup over bf16 (median of rounds) |");
            Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
            for (int f = 0; f < Formats.Length; f++)
            {
                double bytes = DecodeConfiguration.BytesPerStep(Formats[f]);
                Console.WriteLine(string.Create(text,
                    $"| {Formats[f]} | {bytes / 1e9:F3} GB | {Median(stepMs[f]):F1} ms | {stepMs[f].Min():F1} ms | {bytes / 1e6 / Median(stepMs[f]):F1} | {Median(fractions[f]):P0} | {Median(speedups[f]):F2}x |"));
            }

            Console.WriteLine(string.Create(text,
                $"| torch linear, bf16 weights only (no attention, no lm_head pick) | {bf16WeightBytes / 1e9:F3} GB | {Median(torchMs):F1} ms | {torchMs.Min():F1} ms | {bf16WeightBytes / 1e6 / Median(torchMs):F1} | {Median(torchFractions):P0} | |"));
            return 0;
        }
        finally
        {
            foreach (var cache in caches)
            {
                cache.Dispose();
            }

            foreach (var model in models)
            {
                model.Dispose();
            }
        }
    }

    // torch's linear for one token over each weight matrix in turn; milliseconds.
    private static double TorchLinears(Tensor[] weights, Tensor token)
    {
        var clock = Stopwatch.StartNew();
        foreach (var weight in weights)
        {
            using var scope = NewDisposeScope();
            nn.functional.linear(token.narrow(2, 0, 1).expand(1, 1, weight.shape[1]).contiguous(), weight);
        }

        return clock.Elapsed.TotalMilliseconds;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }
}
