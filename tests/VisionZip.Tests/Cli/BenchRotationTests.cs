using VisionZip.Cli.Bench;

namespace VisionZip.Tests.Cli;

/// <summary>The rotation a bench round runs its units in (the limits probe is the last unit).</summary>
public sealed class BenchRotationTests
{
    [Fact]
    public void The_probe_takes_every_place_of_the_round_in_turn()
    {
        // Two configurations and the probe (unit 2).
        Assert.Equal([0, 1, 2], BenchRotation.Order(3, 0));
        Assert.Equal([1, 2, 0], BenchRotation.Order(3, 1));
        Assert.Equal([2, 0, 1], BenchRotation.Order(3, 2));
        Assert.Equal([0, 1, 2], BenchRotation.Order(3, 3));
        Assert.Equal([2, 1, 0], Enumerable.Range(0, 3).Select(round => Array.IndexOf(BenchRotation.Order(3, round), 2)));
    }

    [Fact]
    public void Every_round_runs_every_unit_once()
    {
        for (int round = 0; round < 7; round++)
        {
            Assert.Equal(Enumerable.Range(0, 5), BenchRotation.Order(5, round).Order());
        }

        Assert.Throws<ArgumentOutOfRangeException>(() => BenchRotation.Order(0, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => BenchRotation.Order(2, -1));
    }
}
