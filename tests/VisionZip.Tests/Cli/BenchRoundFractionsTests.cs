using VisionZip.Cli.Bench;
using VisionZip.Models.Performance;

namespace VisionZip.Tests.Cli;

/// <summary>
/// The arithmetic of <c>visionzip bench</c>'s fractions on given numbers (no timing): a stage's rate over the limits of
/// the round its run was in, the median over rounds of those fractions, and the limits' medians over rounds.
/// </summary>
public sealed class BenchRoundFractionsTests
{
    private const string Shape = "576x4096x11008";

    // Encoder 2 TFLOP, prefill 6 TFLOP, 13.3 GB per decode step.
    private static readonly StageWork Work = new(EncoderFlops: 2e12, PrefillFlops: 6e12, DecodeBytesPerStep: 13.3e9);

    private static BenchSample Sample(double encoderMs, double prefillMs, double decodeMs) =>
        new(DecodeImageMs: 10, PreprocessMs: 20, EncoderMs: encoderMs, ReduceMs: 2, ProjectorMs: 5, PrefillMs: prefillMs, FirstTokenMs: 1,
            DecodeMsPerToken: decodeMs, Crops: 1, VisualTokens: 64, PromptTokens: 103, KvBytes: 1000, PeakRssBytes: -1);

    private static MachineLimits Limits(double bf16, double fp32, double bandwidth) =>
        new(new Dictionary<string, double> { ["fp32"] = fp32, ["bf16"] = bf16 }, bandwidth, Shape);

    [Fact]
    public void A_stage_rate_is_its_work_over_its_time_and_its_fraction_is_that_over_the_given_limit()
    {
        var fractions = StageFractions.Of(Work, Sample(encoderMs: 4000, prefillMs: 12000, decodeMs: 350), matmulGflops: 1000, bandwidthGbs: 50);

        Assert.Equal(500, fractions.EncoderGflops, 9);       // 2e12 FLOP in 4 s
        Assert.Equal(0.5, fractions.EncoderOfMatmul, 9);
        Assert.Equal(500, fractions.PrefillGflops, 9);       // 6e12 FLOP in 12 s
        Assert.Equal(0.5, fractions.PrefillOfMatmul, 9);
        Assert.Equal(38, fractions.DecodeGbs, 9);            // 13.3e9 B in 0.35 s
        Assert.Equal(0.76, fractions.DecodeOfBandwidth, 9);
    }

    [Fact]
    public void Each_run_is_divided_by_the_limits_of_its_own_round()
    {
        // Same run times in both rounds; round 2's machine read half the rates of round 1.
        var limits = new RoundLimits([Limits(bf16: 1000, fp32: 200, bandwidth: 50), Limits(bf16: 500, fp32: 100, bandwidth: 25)]);
        var samples = new[] { Sample(4000, 12000, 350), Sample(4000, 12000, 350) };

        var rounds = StageFractions.PerRound(Work, samples, limits, "bf16");

        Assert.Equal([0.5, 1.0], rounds.Select(f => f.EncoderOfMatmul), Tolerance);
        Assert.Equal([0.5, 1.0], rounds.Select(f => f.PrefillOfMatmul), Tolerance);
        Assert.Equal([0.76, 1.52], rounds.Select(f => f.DecodeOfBandwidth), Tolerance);
        var fp32 = StageFractions.PerRound(Work, samples, limits, "fp32");
        Assert.Equal([2.5, 5.0], fp32.Select(f => f.EncoderOfMatmul), Tolerance);   // the dtype asked for, not bf16

        // The median of the per-round fractions (mean of the middle two), not a fraction of the median limits.
        var median = StageFractions.Median([.. rounds]);
        Assert.Equal(0.75, median.EncoderOfMatmul, 9);
        Assert.Equal(1.14, median.DecodeOfBandwidth, 9);
        Assert.Equal(500, median.EncoderGflops, 9);
        Assert.NotEqual(500 / limits.Median.MatmulGflops["bf16"], median.EncoderOfMatmul, 3);   // 500 / 750 = 0.667
    }

    [Fact]
    public void A_run_that_slowed_with_its_round_keeps_its_fraction()
    {
        // Round 2 ran the stage twice as long while the machine read half the rate: the same share of what it could do.
        var limits = new RoundLimits([Limits(1000, 200, 50), Limits(500, 100, 25)]);
        var rounds = StageFractions.PerRound(Work, [Sample(4000, 12000, 350), Sample(8000, 24000, 700)], limits, "bf16");

        Assert.Equal([0.5, 0.5], rounds.Select(f => f.EncoderOfMatmul), Tolerance);
        Assert.Equal([0.76, 0.76], rounds.Select(f => f.DecodeOfBandwidth), Tolerance);
    }

    [Fact]
    public void Without_decode_steps_the_decode_fraction_is_nan_and_the_median_ignores_it()
    {
        var limits = new RoundLimits([Limits(1000, 200, 50), Limits(1000, 200, 50), Limits(1000, 200, 50)]);
        var rounds = StageFractions.PerRound(Work, [Sample(4000, 12000, double.NaN), Sample(4000, 12000, 350), Sample(4000, 12000, 700)], limits, "bf16");

        Assert.True(double.IsNaN(rounds[0].DecodeOfBandwidth));
        Assert.Equal(0.57, StageFractions.Median([.. rounds]).DecodeOfBandwidth, 9);   // (0.76 + 0.38) / 2
    }

    [Fact]
    public void Limits_report_the_median_of_each_figure_over_the_rounds_and_their_spread()
    {
        var limits = new RoundLimits([Limits(600, 150, 40), Limits(435, 170, 55), Limits(690, 160, 30)]);

        Assert.Equal(600, limits.Median.MatmulGflops["bf16"]);
        Assert.Equal(160, limits.Median.MatmulGflops["fp32"]);
        Assert.Equal(40, limits.Median.BandwidthGbs);
        Assert.Equal(Shape, limits.Median.MatmulShape);
        Assert.Equal((435.0, 690.0), (limits.Spread(l => l.MatmulGflops["bf16"]).Min, limits.Spread(l => l.MatmulGflops["bf16"]).Max));
        Assert.Equal(3, limits.PerRound.Count);
    }

    [Fact]
    public void Samples_and_rounds_must_pair_up_and_rounds_must_measure_the_same_products()
    {
        var limits = new RoundLimits([Limits(1000, 200, 50), Limits(500, 100, 25)]);
        var uneven = Assert.Throws<ArgumentException>(() => StageFractions.PerRound(Work, [Sample(4000, 12000, 350)], limits, "bf16"));
        Assert.Contains("1 samples for 2 rounds", uneven.Message, StringComparison.Ordinal);
        var dtype = Assert.Throws<ArgumentException>(() => StageFractions.PerRound(Work, [Sample(1, 1, 1), Sample(1, 1, 1)], limits, "fp16"));
        Assert.Contains("fp16", dtype.Message, StringComparison.Ordinal);

        var otherShape = new MachineLimits(new Dictionary<string, double> { ["fp32"] = 1, ["bf16"] = 1 }, 1, "64x64x64");
        Assert.Throws<ArgumentException>(() => new RoundLimits([Limits(1, 1, 1), otherShape]));
        Assert.Throws<ArgumentException>(() => new RoundLimits([]));
    }

    private static readonly IEqualityComparer<double> Tolerance = EqualityComparer<double>.Create((a, b) => Math.Abs(a - b) < 1e-9, v => 0);
}
