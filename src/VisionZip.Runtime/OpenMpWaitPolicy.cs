using System.Runtime.InteropServices;

namespace VisionZip.Runtime;

/// <summary>
/// Sets <c>OMP_WAIT_POLICY=PASSIVE</c> for libtorch's OpenMP runtime before it loads, unless the process already
/// has a value (which is kept). Linux only; <see cref="TorchRuntime"/> applies it.
/// </summary>
/// <remarks>
/// With the default policy, libtorch's worker threads wait for the next parallel region by spinning and then yield;
/// when the cores are shared (other processes, a server's own threads) every small element-wise op of a layer
/// waited for the second thread to get a core back: RMSNorm, RoPE, silu*up and residual adds took 8-48 ms instead of
/// 0.1-0.7 ms, and a 103-position 7B prefill ran at 29% of the matmul rate instead of 95% with PASSIVE (measured
/// side by side, docs/benchmarks-encoder.md). ACTIVE measured no better. OpenMP reads the variable from the process
/// environment when its library initialises, so it is set with libc's <c>setenv</c> (.NET's
/// <c>Environment.SetEnvironmentVariable</c> does not reach native code on Linux) and must run before libtorch loads.
/// Set <c>OMP_WAIT_POLICY</c> yourself (e.g. ACTIVE on a dedicated machine) to override it.
/// </remarks>
public static class OpenMpWaitPolicy
{
    /// <summary>The policy applied when the process has none.</summary>
    public const string Default = "PASSIVE";

    /// <summary>The policy in the process environment (what OpenMP will read), or null when unset.</summary>
    public static string? Current => Environment.GetEnvironmentVariable("OMP_WAIT_POLICY");

    /// <summary>Sets <see cref="Default"/> when the process has no policy; returns whether it did.</summary>
    internal static bool ApplyDefault()
    {
        if (!OperatingSystem.IsLinux() || !string.IsNullOrEmpty(Current))
        {
            return false;
        }

        try
        {
            if (setenv("OMP_WAIT_POLICY", Default, 0) != 0)
            {
                return false;
            }
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }

        Environment.SetEnvironmentVariable("OMP_WAIT_POLICY", Default);   // so .NET code (and child processes) see it too
        return true;
    }

    [DllImport("libc", EntryPoint = "setenv")]
    private static extern int setenv([MarshalAs(UnmanagedType.LPUTF8Str)] string name, [MarshalAs(UnmanagedType.LPUTF8Str)] string value, int overwrite);
}
