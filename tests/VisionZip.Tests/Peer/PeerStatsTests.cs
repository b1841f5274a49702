using VisionZip.Benchmarks.Peer;

namespace VisionZip.Tests.Peer;

/// <summary>The side-by-side runners' median: the middle value, the mean of the middle two for an even count, NaN ignored.</summary>
public sealed class PeerStatsTests
{
    [Theory]
    [InlineData(new[] { 0.87, 0.64 }, 0.755)]
    [InlineData(new[] { 3.0, 1.0, 2.0 }, 2.0)]
    [InlineData(new[] { 4.0, 1.0, 3.0, 2.0 }, 2.5)]
    [InlineData(new[] { 5.0 }, 5.0)]
    [InlineData(new[] { double.NaN, 1.0, 3.0 }, 2.0)]
    public void Median_of_values(double[] values, double expected) =>
        Assert.Equal(expected, PeerStats.Median(values), 12);

    [Fact]
    public void Median_of_nothing_is_NaN() => Assert.True(double.IsNaN(PeerStats.Median([double.NaN])));
}
