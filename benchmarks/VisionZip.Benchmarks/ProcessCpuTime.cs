using System.Runtime.InteropServices;

namespace VisionZip.Benchmarks;

/// <summary>
/// CPU time (user + system, all threads) this process has used, from <c>getrusage(RUSAGE_SELF)</c> (microseconds) on
/// Linux. On a machine shared with other jobs a stage's wall time includes the time its threads waited for a core;
/// its CPU time (with <c>OMP_WAIT_POLICY=PASSIVE</c>, so waiting threads sleep instead of spinning) counts only the
/// work done, so rates per CPU second compare variants fairly under load.
/// </summary>
public static partial class ProcessCpuTime
{
    /// <summary>Seconds of CPU time used so far; NaN where <c>getrusage</c> is unavailable.</summary>
    public static double Seconds()
    {
        if (!OperatingSystem.IsLinux())
        {
            return double.NaN;
        }

        var usage = new RUsage();
        return GetRUsage(0, ref usage) == 0
            ? usage.UserSeconds + usage.UserMicroseconds / 1e6 + usage.SystemSeconds + usage.SystemMicroseconds / 1e6
            : double.NaN;
    }

    [LibraryImport("libc", EntryPoint = "getrusage")]
    private static partial int GetRUsage(int who, ref RUsage usage);

    // struct rusage on 64-bit Linux: two timevals, then 14 longs.
    [StructLayout(LayoutKind.Sequential)]
    private struct RUsage
    {
        public long UserSeconds;
        public long UserMicroseconds;
        public long SystemSeconds;
        public long SystemMicroseconds;
        public long MaxRss, IxRss, IdRss, IsRss, MinFlt, MajFlt, NSwap, InBlock, OuBlock, MsgSnd, MsgRcv, NSignals, NVcsw, NIvcsw;
    }
}
