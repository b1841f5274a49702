namespace VisionZip.Benchmarks.Peer;

/// <summary>
/// Median of a list: the mean of the two middle values for an even count. (It took the upper middle before, which with
/// two rounds reported the better round: 87% of bandwidth for rounds of 87% and 64%.)
/// </summary>
public static class PeerStats
{
    /// <summary>The median; NaN when empty.</summary>
    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Where(v => !double.IsNaN(v)).Order().ToList();
        if (sorted.Count == 0)
        {
            return double.NaN;
        }

        int middle = sorted.Count / 2;
        return sorted.Count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }
}
