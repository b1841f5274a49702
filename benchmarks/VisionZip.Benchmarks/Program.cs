using BenchmarkDotNet.Running;
using VisionZip.Runtime;

namespace VisionZip.Benchmarks;

/// <summary>
/// Entry point: every benchmark class of this assembly, chosen with BenchmarkDotNet's usual arguments, e.g.
/// <c>dotnet run -c Release --project benchmarks/VisionZip.Benchmarks -- --filter '*ZipBenchmarks*' --job short</c>.
/// On a machine shared with other busy processes add <c>--envVars OMP_WAIT_POLICY:PASSIVE</c>: libtorch's OpenMP
/// workers otherwise spin-wait and small ops can stall for hundreds of milliseconds (see README.md).
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        TorchRuntime.EnsureLoaded();
        var summaries = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return summaries.Any(summary => summary.HasCriticalValidationErrors) ? 1 : 0;
    }
}
