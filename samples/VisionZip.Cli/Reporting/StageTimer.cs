using System.Diagnostics;

namespace VisionZip.Cli.Reporting;

/// <summary>Wall-clock time per named pipeline stage, in the order the stages ran.</summary>
internal sealed class StageTimer
{
    private readonly List<(string Stage, TimeSpan Elapsed)> _stages = [];
    private long _mark = Stopwatch.GetTimestamp();

    /// <summary>Stages and their times, in order.</summary>
    public IReadOnlyList<(string Stage, TimeSpan Elapsed)> Stages => _stages;

    /// <summary>Sum of every stage.</summary>
    public TimeSpan Total => TimeSpan.FromTicks(_stages.Sum(s => s.Elapsed.Ticks));

    /// <summary>Runs <paramref name="work"/> and records its time under <paramref name="stage"/>.</summary>
    public T Time<T>(string stage, Func<T> work)
    {
        long start = Stopwatch.GetTimestamp();
        T result = work();
        _stages.Add((stage, Stopwatch.GetElapsedTime(start)));
        return result;
    }

    /// <summary>Runs <paramref name="work"/> and records its time under <paramref name="stage"/>.</summary>
    public void Time(string stage, Action work) => Time(stage, () =>
    {
        work();
        return 0;
    });

    /// <summary>Starts the clock that <see cref="Lap"/> reads.</summary>
    public void Mark() => _mark = Stopwatch.GetTimestamp();

    /// <summary>Records the time since the last <see cref="Mark"/> or <see cref="Lap"/> under <paramref name="stage"/>.</summary>
    public void Lap(string stage)
    {
        long now = Stopwatch.GetTimestamp();
        _stages.Add((stage, Stopwatch.GetElapsedTime(_mark, now)));
        _mark = now;
    }

    /// <summary>Time of <paramref name="stage"/> (summed if it ran more than once), or zero.</summary>
    public TimeSpan this[string stage] => TimeSpan.FromTicks(_stages.Where(s => s.Stage == stage).Sum(s => s.Elapsed.Ticks));
}
