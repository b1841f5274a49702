using VisionZip.Models.Performance;

namespace VisionZip.Cli.Bench;

/// <summary>
/// The machine's limits as the bench measured them: once in every timed round, in the rotation with the
/// configurations (so each reading met the load that round's runs met). Round <c>i</c>'s reading goes with the
/// <c>i</c>-th sample of every configuration.
/// </summary>
internal sealed class RoundLimits
{
    /// <summary>Wraps the timed rounds' readings, in round order.</summary>
    /// <exception cref="ArgumentException">No reading, or readings of different matmul shapes or dtypes.</exception>
    public RoundLimits(IReadOnlyList<MachineLimits> perRound)
    {
        if (perRound.Count == 0)
        {
            throw new ArgumentException("at least one round's limits are needed", nameof(perRound));
        }

        var first = perRound[0];
        if (perRound.Any(l => l.MatmulShape != first.MatmulShape || !l.MatmulGflops.Keys.Order().SequenceEqual(first.MatmulGflops.Keys.Order())))
        {
            throw new ArgumentException($"every round's limits must measure the same products ({first.MatmulShape}: {string.Join(", ", first.MatmulGflops.Keys)})", nameof(perRound));
        }

        PerRound = perRound;
        Median = new MachineLimits(
            first.MatmulGflops.Keys.ToDictionary(dtype => dtype, dtype => Stat.Of(perRound.Select(l => l.MatmulGflops[dtype])).Median, StringComparer.Ordinal),
            Stat.Of(perRound.Select(l => l.BandwidthGbs)).Median,
            first.MatmulShape);
    }

    /// <summary>One reading per timed round.</summary>
    public IReadOnlyList<MachineLimits> PerRound { get; }

    /// <summary>Per dtype and for the bandwidth, the median over the rounds (what <c>limits</c> reports).</summary>
    public MachineLimits Median { get; }

    /// <summary>Smallest and largest reading of <paramref name="pick"/> over the rounds.</summary>
    public Stat Spread(Func<MachineLimits, double> pick) => Stat.Of(PerRound.Select(pick));
}
