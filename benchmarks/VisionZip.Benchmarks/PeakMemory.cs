using System.Globalization;

namespace VisionZip.Benchmarks;

/// <summary>Peak resident memory of this process on Linux (VmHWM), resettable through /proc/self/clear_refs.</summary>
public static class PeakMemory
{
    /// <summary>Starts a new peak at the current resident size (no-op where /proc is missing).</summary>
    public static void Reset()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>VmHWM in bytes, or -1 where /proc/self/status is missing.</summary>
    public static long PeakResidentBytes()
    {
        const string status = "/proc/self/status";
        if (!File.Exists(status))
        {
            return -1;
        }

        foreach (var line in File.ReadLines(status))
        {
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                var kilobytes = line["VmHWM:".Length..].Trim().Split(' ')[0];
                return long.Parse(kilobytes, CultureInfo.InvariantCulture) * 1024;
            }
        }

        return -1;
    }
}
