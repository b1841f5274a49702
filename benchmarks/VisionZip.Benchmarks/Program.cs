using BenchmarkDotNet.Running;
using VisionZip.Runtime;

namespace VisionZip.Benchmarks;

/// <summary>
/// Entry point: every benchmark class of this assembly, chosen with BenchmarkDotNet's usual arguments, e.g.
/// <c>dotnet run -c Release --project benchmarks/VisionZip.Benchmarks -- --filter '*ZipBenchmarks*' --job short</c>.
/// On a machine shared with other busy processes add <c>--envVars OMP_WAIT_POLICY:PASSIVE</c>: libtorch's OpenMP
/// workers otherwise spin-wait and small ops can stall for hundreds of milliseconds (see README.md).
/// Plain runs that bypass BenchmarkDotNet: <c>-- decode-side-by-side [rounds]</c> (<see cref="DecodeSideBySide"/>) and
/// <c>-- decode-accuracy</c> (<see cref="DecodeAccuracy"/>); <c>-- decode-attention [rounds]</c> (<see cref="DecodeAttention"/>);
/// <c>-- tune-cost MODEL_DIR</c> (<see cref="TuneStepCost"/>); <c>-- peer [options]</c>, ours against LLamaSharp
/// (<see cref="Peer.PeerBenchmark"/>).
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        TorchRuntime.EnsureLoaded();
        switch (args.FirstOrDefault())
        {
            case "encoder-measure": return EncoderMeasurements.Run(args[1..]);
            case "decode-side-by-side":
                return DecodeSideBySide.Run(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 15);
            case "decode-accuracy":
                return DecodeAccuracy.Run();
            case "decode-attention":
                return DecodeAttention.Run(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 7);
            case "tune-cost":
                return TuneStepCost.Run(args[1..]);
            case "peer":
                return Peer.PeerBenchmark.Run(args[1..]);
        }

        var summaries = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return summaries.Any(summary => summary.HasCriticalValidationErrors) ? 1 : 0;
    }
}
