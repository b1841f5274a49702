using BenchmarkDotNet.Running;

namespace VisionZip.Benchmarks;

/// <summary>Minimal entry point (another helper owns the real one; the lead resolves the merge).</summary>
public static class Program
{
    public static void Main(string[] args)
    {
        VisionZip.Runtime.TorchRuntime.EnsureLoaded();
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    }
}
