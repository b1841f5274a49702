namespace VisionZip.Cli.Bench;

/// <summary>
/// The work of one run's stages by the cost model: FLOPs of the vision tower and of the language-model prefill
/// (layers and logits), bytes one decode step reads.
/// </summary>
/// <param name="EncoderFlops">The tower up to its feature layer, all crops.</param>
/// <param name="PrefillFlops">The decoder layers over the prompt plus the last position's logits.</param>
/// <param name="DecodeBytesPerStep">Weights, one embedding row and the KV cache a step reads.</param>
internal readonly record struct StageWork(double EncoderFlops, double PrefillFlops, double DecodeBytesPerStep);

/// <summary>
/// One run's stages as achieved rates and as fractions of the limits measured in the same round: encoder and prefill
/// GFLOP/s over the compute dtype's matmul rate, decode GB/s over the read bandwidth. NaN where a stage did not run.
/// </summary>
internal sealed record StageFractions(
    double EncoderGflops,
    double EncoderOfMatmul,
    double PrefillGflops,
    double PrefillOfMatmul,
    double DecodeGbs,
    double DecodeOfBandwidth)
{
    /// <summary>
    /// The rates of <paramref name="sample"/> doing <paramref name="work"/>, over <paramref name="matmulGflops"/> and
    /// <paramref name="bandwidthGbs"/> (the readings of the round the sample ran in).
    /// </summary>
    public static StageFractions Of(StageWork work, BenchSample sample, double matmulGflops, double bandwidthGbs)
    {
        // FLOP per millisecond / 1e6 = GFLOP/s; bytes per millisecond / 1e6 = GB/s.
        double encoder = work.EncoderFlops / 1e6 / sample.EncoderMs;
        double prefill = work.PrefillFlops / 1e6 / sample.PrefillMs;
        double decode = work.DecodeBytesPerStep / 1e6 / sample.DecodeMsPerToken;
        return new StageFractions(encoder, encoder / matmulGflops, prefill, prefill / matmulGflops, decode, decode / bandwidthGbs);
    }

    /// <summary>
    /// Each of <paramref name="samples"/> (one per timed round, in round order) against the limits of its own round:
    /// <paramref name="dtype"/>'s matmul rate and the bandwidth of <c>limits.PerRound[i]</c> for sample <c>i</c>.
    /// </summary>
    /// <exception cref="ArgumentException">Not one sample per round, or no matmul reading for <paramref name="dtype"/>.</exception>
    public static IReadOnlyList<StageFractions> PerRound(StageWork work, IReadOnlyList<BenchSample> samples, RoundLimits limits, string dtype)
    {
        if (samples.Count != limits.PerRound.Count)
        {
            throw new ArgumentException($"{samples.Count} samples for {limits.PerRound.Count} rounds of limits: one sample per round is needed", nameof(samples));
        }

        if (!limits.Median.MatmulGflops.ContainsKey(dtype))
        {
            throw new ArgumentException($"no matmul reading for {dtype} (have {string.Join(", ", limits.Median.MatmulGflops.Keys)})", nameof(dtype));
        }

        return [.. samples.Select((sample, round) =>
            Of(work, sample, limits.PerRound[round].MatmulGflops[dtype], limits.PerRound[round].BandwidthGbs))];
    }

    /// <summary>Field by field, the median over <paramref name="rounds"/> (NaN ignored; the mean of the middle two for an even count).</summary>
    public static StageFractions Median(IReadOnlyCollection<StageFractions> rounds)
    {
        double Of(Func<StageFractions, double> pick) => Stat.Of(rounds.Select(pick)).Median;
        return new StageFractions(Of(f => f.EncoderGflops), Of(f => f.EncoderOfMatmul), Of(f => f.PrefillGflops), Of(f => f.PrefillOfMatmul),
            Of(f => f.DecodeGbs), Of(f => f.DecodeOfBandwidth));
    }
}
