using VisionZip.Models.Generation;

namespace VisionZip.Tests.Generation;

public class LogitsProcessorsTests
{
    private static readonly float NegInf = float.NegativeInfinity;

    [Fact]
    public void Repetition_penalty_divides_positive_and_multiplies_negative_seen_logits()
    {
        float[] logits = [2f, -2f, 1f, 0.5f, -1f];
        LogitsProcessors.ApplyRepetitionPenalty(logits, [0, 1, 0, 3], 2f);
        Assert.Equal([1f, -4f, 1f, 0.25f, -1f], logits);
    }

    [Fact]
    public void Repetition_penalty_rejects_ids_outside_the_row()
    {
        float[] logits = [1f, 2f];
        Assert.Throws<ArgumentOutOfRangeException>(() => LogitsProcessors.ApplyRepetitionPenalty(logits, [2], 1.5f));
    }

    [Fact]
    public void Top_k_keeps_the_k_largest_and_ties_with_the_kth()
    {
        float[] logits = [1f, 3f, 2f, 3f, 0f];
        LogitsProcessors.ApplyTopK(logits, 2);
        Assert.Equal([NegInf, 3f, NegInf, 3f, NegInf], logits);

        float[] three = [1f, 3f, 2f, 3f, 0f];
        LogitsProcessors.ApplyTopK(three, 3);
        Assert.Equal([NegInf, 3f, 2f, 3f, NegInf], three);

        float[] off = [1f, 2f];
        LogitsProcessors.ApplyTopK(off, 0);
        Assert.Equal([1f, 2f], off);
    }

    [Fact]
    public void Top_p_masks_the_low_tail_whose_mass_is_at_most_one_minus_p()
    {
        float[] Probabilities() => [MathF.Log(0.5f), MathF.Log(0.3f), MathF.Log(0.15f), MathF.Log(0.05f)];

        float[] nucleus = Probabilities();
        LogitsProcessors.ApplyTopP(nucleus, 0.75f); // tail 0.05 + 0.15 = 0.2 <= 0.25 goes
        Assert.Equal([Probabilities()[0], Probabilities()[1], NegInf, NegInf], nucleus);

        float[] wide = Probabilities();
        LogitsProcessors.ApplyTopP(wide, 0.9f); // only 0.05 <= 0.1 goes
        Assert.Equal([Probabilities()[0], Probabilities()[1], Probabilities()[2], NegInf], wide);

        float[] tiny = Probabilities();
        LogitsProcessors.ApplyTopP(tiny, 0.01f); // the most likely token always stays
        Assert.Equal([Probabilities()[0], NegInf, NegInf, NegInf], tiny);
    }

    [Fact]
    public void Temperature_divides_and_rejects_non_positive_values()
    {
        float[] logits = [1f, -2f];
        LogitsProcessors.ApplyTemperature(logits, 0.5f);
        Assert.Equal([2f, -4f], logits);
        Assert.Throws<ArgumentOutOfRangeException>(() => LogitsProcessors.ApplyTemperature(logits, 0f));
        Assert.Throws<ArgumentOutOfRangeException>(() => LogitsProcessors.ApplyTopP(logits, 1.5f));
    }

    [Fact]
    public void Argmax_takes_the_first_maximum()
    {
        Assert.Equal(1, TokenSampler.Argmax([0f, 4f, 4f, -1f]));
    }

    [Fact]
    public void Same_seed_gives_the_same_draws_and_different_seeds_differ_on_a_flat_distribution()
    {
        float[] flat = new float[1000];
        int[] Draw(long seed)
        {
            var random = new SeededRandom(seed);
            return Enumerable.Range(0, 20).Select(_ => TokenSampler.Sample(flat, random)).ToArray();
        }

        Assert.Equal(Draw(42), Draw(42));
        Assert.NotEqual(Draw(42), Draw(43));
        Assert.True(Draw(42).Distinct().Count() > 15, "a flat distribution over 1000 tokens should rarely repeat in 20 draws");
    }

    [Fact]
    public void Sampling_follows_the_softmax_and_never_picks_masked_tokens()
    {
        float[] logits = [MathF.Log(0.7f), MathF.Log(0.2f), MathF.Log(0.1f), NegInf];
        var random = new SeededRandom(7);
        int[] counts = new int[4];
        for (int i = 0; i < 20000; i++)
        {
            counts[TokenSampler.Sample(logits, random)]++;
        }

        Assert.Equal(0, counts[3]);
        Assert.InRange(counts[0] / 20000.0, 0.68, 0.72);
        Assert.InRange(counts[1] / 20000.0, 0.18, 0.22);
        Assert.InRange(counts[2] / 20000.0, 0.08, 0.12);
    }

    [Fact]
    public void Choose_applies_the_penalty_in_greedy_mode_and_the_warpers_only_when_sampling()
    {
        var greedy = new GenerationOptions { RepetitionPenalty = 3f, TopK = 1 };
        float[] logits = [3f, 2f, 0f];
        Assert.Equal(1, TokenSampler.Choose(logits, greedy, [0], new SeededRandom(1))); // 3/3 = 1 < 2
        var sampling = new GenerationOptions { DoSample = true, TopK = 1, Temperature = 0.5f };
        float[] second = [3f, 2f, 0f];
        Assert.Equal(0, TokenSampler.Choose(second, sampling, [], new SeededRandom(1)));
        Assert.Equal([6f, NegInf, NegInf], second);
    }
}
