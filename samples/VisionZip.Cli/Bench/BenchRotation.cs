namespace VisionZip.Cli.Bench;

/// <summary>
/// The order of a bench round: every unit (each configuration, and the limits probe when measured) once, starting one
/// further each round, so over the rounds each unit runs first, last and after each of the others alike.
/// </summary>
internal static class BenchRotation
{
    /// <summary>Unit indices in the order round <paramref name="round"/> runs them.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="units"/> below 1 or <paramref name="round"/> negative.</exception>
    public static int[] Order(int units, int round)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(units, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(round);
        return [.. Enumerable.Range(0, units).Select(k => (k + round) % units)];
    }
}
