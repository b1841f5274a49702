using System.Globalization;

namespace VisionZip.Cli.Reporting;

/// <summary>Number formats used in the console output (invariant culture).</summary>
internal static class Formats
{
    /// <summary>Milliseconds with a precision that suits the size, e.g. <c>0.42 ms</c>, <c>12.3 ms</c>, <c>1,204 ms</c>.</summary>
    public static string Milliseconds(TimeSpan time) => Milliseconds(time.TotalMilliseconds);

    /// <summary>Milliseconds with a precision that suits the size.</summary>
    public static string Milliseconds(double ms) => ms switch
    {
        < 10 => ms.ToString("0.00", CultureInfo.InvariantCulture),
        < 100 => ms.ToString("0.0", CultureInfo.InvariantCulture),
        _ => ms.ToString("#,0", CultureInfo.InvariantCulture),
    } + " ms";

    /// <summary>Bytes as KiB / MiB / GiB.</summary>
    public static string Bytes(long bytes) => bytes switch
    {
        < 1024 => $"{bytes} B",
        < 1024 * 1024 => (bytes / 1024.0).ToString("0.0", CultureInfo.InvariantCulture) + " KiB",
        < 1024L * 1024 * 1024 => (bytes / (1024.0 * 1024)).ToString("0.0", CultureInfo.InvariantCulture) + " MiB",
        _ => (bytes / (1024.0 * 1024 * 1024)).ToString("0.00", CultureInfo.InvariantCulture) + " GiB",
    };

    /// <summary>A ratio such as <c>9.0x</c>.</summary>
    public static string Ratio(double ratio) => ratio.ToString("0.0", CultureInfo.InvariantCulture) + "x";
}
