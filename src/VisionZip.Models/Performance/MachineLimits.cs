using System.Diagnostics;
using static TorchSharp.torch;

namespace VisionZip.Models.Performance;

/// <summary>
/// What this machine can do, measured in the calling process so that stage timings can be reported as a fraction of
/// it: matrix-product throughput per dtype (torch's matmul, the kernel prefill and the encoder spend their time in) and
/// memory read bandwidth (what bounds a batch-1 decode step).
/// </summary>
/// <param name="MatmulGflops">GFLOP/s of <c>[M, K] x [K, N]</c> per dtype name (<c>fp32</c>, <c>bf16</c>).</param>
/// <param name="BandwidthGbs">Read bandwidth, GB/s (10^9 bytes), all cores.</param>
/// <param name="MatmulShape">The product measured, <c>M x K x N</c>.</param>
public sealed record MachineLimits(IReadOnlyDictionary<string, double> MatmulGflops, double BandwidthGbs, string MatmulShape)
{
    /// <summary>
    /// Measures both limits on the CPU: the best of <paramref name="repeats"/> timed products (after one untimed) for
    /// float32 and bfloat16, and the best of <paramref name="bandwidthPasses"/> bandwidth passes
    /// (<see cref="MemoryBandwidth"/>, allocated for the call and freed after it).
    /// </summary>
    /// <remarks>
    /// Takes a few seconds on two cores (the float32 products and page-faulting the fresh bandwidth buffer dominate).
    /// On a shared machine the figures follow the load of the moment; a benchmark that compares stages with them
    /// measures them again next to each round of its runs (as <c>visionzip bench</c> does) rather than once.
    /// </remarks>
    /// <param name="m">Rows of the left operand (the tokens of a prefill).</param>
    /// <param name="k">Inner dimension (the model width).</param>
    /// <param name="n">Columns of the right operand (an MLP's width).</param>
    /// <param name="repeats">Timed products per dtype, at least 1.</param>
    /// <param name="bandwidthPasses">Timed passes over the bandwidth buffer, at least 1 (about 10 ms each).</param>
    /// <exception cref="ArgumentOutOfRangeException">A size, <paramref name="repeats"/> or <paramref name="bandwidthPasses"/> below 1.</exception>
    public static MachineLimits Measure(int m = 576, int k = 4096, int n = 11008, int repeats = 3, int bandwidthPasses = 2)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(m, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(repeats, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(bandwidthPasses, 1);
        var gflops = new Dictionary<string, double>(StringComparer.Ordinal)
        {
            ["fp32"] = Matmul(ScalarType.Float32, m, k, n, repeats),
            ["bf16"] = Matmul(ScalarType.BFloat16, m, k, n, repeats),
        };
        using var bandwidth = new MemoryBandwidth();
        return new MachineLimits(gflops, bandwidth.Measure(bandwidthPasses), $"{m}x{k}x{n}");
    }

    /// <summary>The dtype name <see cref="MatmulGflops"/> uses for <paramref name="dtype"/> (<c>fp32</c>, <c>bf16</c>, <c>fp16</c>).</summary>
    public static string DTypeName(ScalarType dtype) => dtype switch
    {
        ScalarType.BFloat16 => "bf16",
        ScalarType.Float16 => "fp16",
        _ => "fp32",
    };

    private static double Matmul(ScalarType dtype, int m, int k, int n, int repeats)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var generator = new Generator(1);
        var left = randn([m, k], dtype, generator: generator);          // made in the dtype: no float32 copy in the heap
        var right = randn([k, n], dtype, generator: generator);
        left.matmul(right).Dispose();                                   // warm-up (threads, allocator)
        double best = double.MaxValue;
        for (int i = 0; i < repeats; i++)
        {
            long start = Stopwatch.GetTimestamp();
            left.matmul(right).Dispose();
            best = Math.Min(best, Stopwatch.GetElapsedTime(start).TotalSeconds);
        }

        return 2.0 * m * k * n / best / 1e9;
    }
}
