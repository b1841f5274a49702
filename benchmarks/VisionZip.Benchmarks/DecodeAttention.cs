using System.Diagnostics;
using System.Globalization;
using VisionZip.Models.Language.MatVec;
using VisionZip.Models.Performance;
using static TorchSharp.torch;

namespace VisionZip.Benchmarks;

/// <summary>
/// <c>decode-attention [rounds]</c>: one decode step's attention over a KV cache at LLaVA's Vicuna-7B shape (32 heads
/// of 128, one query), as torch's scaled_dot_product_attention over the cache's views (what a step ran before) against
/// the decoder's kernel (<see cref="SingleQueryAttention"/>) reading the same buffers, at the cache lengths a step sees
/// after a VisionZip-64 prompt (104), a vanilla LLaVA-1.5 prompt (615) and a vanilla LLaVA-NeXT prompt (2967), in
/// bfloat16 and float32. Per round: the read bandwidth, then each variant in turn; medians over rounds, and each as a
/// fraction of the bound (the cached keys and values once over the bandwidth measured in the same round).
/// </summary>
internal static class DecodeAttention
{
    private const int Heads = 32;
    private const int HeadDim = 128;
    private const int Capacity = 3072;

    public static int Run(int rounds)
    {
        using var noGrad = no_grad();
        using var bandwidth = new MemoryBandwidth();
        Console.WriteLine($"decode-attention: {Heads} heads x {HeadDim}, one query, {rounds} rounds, torch threads {get_num_threads()}, load average {LoadAverage()}");
        Console.WriteLine();
        Console.WriteLine("| dtype | cached positions | KV bytes | torch SDPA ms | kernel ms | speedup | kernel of bandwidth bound | x 32 layers: SDPA -> kernel ms |");
        Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var dtype in new[] { ScalarType.BFloat16, ScalarType.Float32 })
        {
            foreach (int length in new[] { 104, 615, 2967 })
            {
                using var scope = NewDisposeScope();
                using var generator = new Generator(11);
                var keys = randn([1, Heads, Capacity, HeadDim], generator: generator).to(dtype);
                var values = randn([1, Heads, Capacity, HeadDim], generator: generator).to(dtype);
                var query = randn([1, Heads, 1, HeadDim], generator: generator).to(dtype);
                var keyView = keys.narrow(2, 0, length);
                var valueView = values.narrow(2, 0, length);
                long bytes = 2L * Heads * length * HeadDim * keys.ElementSize;
                var torchTimes = new List<double>();
                var kernelTimes = new List<double>();
                var fractions = new List<double>();
                for (int round = -2; round < rounds; round++)
                {
                    double gbs = bandwidth.Measure();
                    double torchMs = Time(() => nn.functional.scaled_dot_product_attention(query, keyView, valueView, null).Dispose());
                    double kernelMs = Time(() =>
                    {
                        if (!SingleQueryAttention.TryRun(query, keys, values, length, out var context))
                        {
                            throw new InvalidOperationException("the kernel declined");
                        }

                        context.Dispose();
                    });
                    if (round >= 0)
                    {
                        torchTimes.Add(torchMs);
                        kernelTimes.Add(kernelMs);
                        fractions.Add(bytes / (gbs * 1e9) * 1e3 / kernelMs);
                    }
                }

                double t = Median(torchTimes), k = Median(kernelTimes);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {(dtype == ScalarType.BFloat16 ? "bf16" : "fp32")} | {length} | {bytes / 1e6:F1} MB | {t:F3} | {k:F3} | {t / k:F1}x | {Median(fractions):P0} | {32 * t:F0} -> {32 * k:F0} |"));
            }
        }

        return 0;
    }

    // One call of what a decode step runs per layer, median of 5 calls.
    private static double Time(Action action)
    {
        var times = new double[5];
        for (int i = 0; i < times.Length; i++)
        {
            long start = Stopwatch.GetTimestamp();
            action();
            times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }

        Array.Sort(times);
        return times[times.Length / 2];
    }

    private static double Median(List<double> values)
    {
        values.Sort();
        return values[values.Count / 2];
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";
}
