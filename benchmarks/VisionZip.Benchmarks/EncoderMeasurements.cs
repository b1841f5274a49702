using System.Globalization;

namespace VisionZip.Benchmarks;

/// <summary>
/// The plain (non-BenchmarkDotNet) encoder and short-prefill measurements of docs/benchmarks-encoder.md, one mode of
/// the benchmark program: <c>dotnet run -c Release --project benchmarks/VisionZip.Benchmarks -- encoder-measure WHAT
/// [fp32|bf16] [rounds] [ops]</c> with WHAT = <c>profile</c> (<see cref="EncoderProfile"/>; <c>ops</c> filters by name,
/// alternatives separated by <c>|</c>), <c>encoder</c> (<see cref="EncoderSideBySide"/>) or <c>prefill</c>
/// (<see cref="PrefillSideBySide"/>). Run with <c>OMP_WAIT_POLICY=PASSIVE</c> on a shared machine.
/// </summary>
public static class EncoderMeasurements
{
    /// <summary>Runs the measurement named by <paramref name="args"/>[0]; returns the process exit code.</summary>
    public static int Run(string[] args)
    {
        string dtype = args.ElementAtOrDefault(1) ?? "bf16";
        int? rounds = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : null;
        switch (args.ElementAtOrDefault(0))
        {
            case "profile":
                return EncoderProfile.Run(dtype, rounds ?? 7, args.ElementAtOrDefault(3) ?? "");
            case "encoder":
                return EncoderSideBySide.Run(dtype, rounds ?? 5);
            case "prefill":
                return PrefillSideBySide.Run(dtype, rounds ?? 5);
            default:
                Console.Error.WriteLine("usage: encoder-measure profile|encoder|prefill [fp32|bf16] [rounds] [ops]");
                return 2;
        }
    }
}
