namespace VisionZip.Cli.Bench;

/// <summary>Median and spread of one measured quantity over the timed rounds.</summary>
/// <param name="Median">The median (mean of the middle two for an even count).</param>
/// <param name="Min">The smallest value.</param>
/// <param name="Max">The largest value.</param>
internal readonly record struct Stat(double Median, double Min, double Max)
{
    /// <summary>The statistic of <paramref name="values"/> (NaN values, e.g. no decode step, are ignored).</summary>
    public static Stat Of(IEnumerable<double> values)
    {
        var sorted = values.Where(v => !double.IsNaN(v)).Order().ToArray();
        if (sorted.Length == 0)
        {
            return new Stat(double.NaN, double.NaN, double.NaN);
        }

        int middle = sorted.Length / 2;
        double median = sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
        return new Stat(median, sorted[0], sorted[^1]);
    }
}
