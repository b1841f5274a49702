using static TorchSharp.torch;

namespace VisionZip.Models.Language;

/// <summary>Boolean attention masks (true = may attend) for a chunk of queries that follows cached positions.</summary>
internal static class CausalMask
{
    /// <summary>
    /// Mask [T, past + T] letting query t (position past + t) see keys 0 .. past + t, and only the last
    /// <paramref name="window"/> of them when a sliding window applies; null when nothing is masked
    /// (a single query without an active window).
    /// </summary>
    public static Tensor? Build(long queryLength, long pastLength, int? window, Device device)
    {
        long total = pastLength + queryLength;
        if (queryLength == 1 && (window is null || total <= window))
        {
            return null;
        }

        using var scope = NewDisposeScope();
        var queries = arange(pastLength, total, dtype: ScalarType.Int64, device: device).unsqueeze(1); // [T, 1]
        var keys = arange(0, total, dtype: ScalarType.Int64, device: device).unsqueeze(0);            // [1, S]
        var allowed = keys <= queries;                                                                  // [T, S]
        if (window is int size)
        {
            allowed = allowed & (queries - keys < size);
        }

        return allowed.MoveToOuterDisposeScope();
    }
}
