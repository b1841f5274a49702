namespace VisionZip.Benchmarks.Peer;

/// <summary>The timed samples of one row (a side and a configuration) with the figures derived from them.</summary>
/// <param name="Format">The side.</param>
/// <param name="Configuration">"vanilla" (576 visual tokens), "visionzip-64", or "vanilla, ids only" (LLamaSharp).</param>
/// <param name="Samples">One per timed round.</param>
/// <param name="BytesPerStep">Bytes one decode step reads (weights, one embedding row, the KV cache at mid-answer).</param>
/// <param name="Fractions">Per round: bytes per step over the step time, over that round's measured bandwidth.</param>
public sealed record PeerRow(PeerFormat Format, string Configuration, IReadOnlyList<PeerSample> Samples, double BytesPerStep, IReadOnlyList<double> Fractions)
{
    /// <summary>Median of <paramref name="pick"/> over the samples.</summary>
    public double Median(Func<PeerSample, double> pick) => PeerStats.Median(Samples.Select(pick));

    /// <summary>Minimum of <paramref name="pick"/> over the samples.</summary>
    public double Min(Func<PeerSample, double> pick) => Samples.Select(pick).Min();
}
