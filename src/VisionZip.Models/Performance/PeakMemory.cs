using System.Globalization;

namespace VisionZip.Models.Performance;

/// <summary>Peak resident memory of this process on Linux (VmHWM), restarted by writing 5 to /proc/self/clear_refs.</summary>
public static class PeakMemory
{
    /// <summary>Starts a new peak at the current resident size; false where the kernel does not allow it.</summary>
    public static bool Reset()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
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
