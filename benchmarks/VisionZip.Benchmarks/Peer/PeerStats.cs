namespace VisionZip.Benchmarks.Peer;

/// <summary>Median of a list (the upper middle for an even count, as the other side-by-side runners report).</summary>
public static class PeerStats
{
    /// <summary>The median; NaN when empty.</summary>
    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Where(v => !double.IsNaN(v)).Order().ToList();
        return sorted.Count == 0 ? double.NaN : sorted[sorted.Count / 2];
    }
}
