namespace VisionZip.Models.Generation;

/// <summary>Chooses the next token from one row of logits: processors in transformers' order, then greedy or sampling.</summary>
public static class TokenSampler
{
    /// <summary>
    /// Applies, in place, the repetition penalty and (when sampling) temperature, top-k and top-p, then returns
    /// the argmax (greedy) or a draw from the softmax (sampling).
    /// </summary>
    /// <param name="logits">One row [vocab]; overwritten with the processed scores.</param>
    /// <param name="options">The generation options.</param>
    /// <param name="seenTokens">Prompt and generated ids, for the repetition penalty.</param>
    /// <param name="random">The seeded generator (used only when sampling).</param>
    public static int Choose(Span<float> logits, GenerationOptions options, IEnumerable<int> seenTokens, SeededRandom random)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(random);
        LogitsProcessors.ApplyRepetitionPenalty(logits, seenTokens, options.RepetitionPenalty);
        if (!options.DoSample)
        {
            return Argmax(logits);
        }

        LogitsProcessors.ApplyTemperature(logits, options.Temperature);
        LogitsProcessors.ApplyTopK(logits, options.TopK);
        LogitsProcessors.ApplyTopP(logits, options.TopP);
        return Sample(logits, random);
    }

    /// <summary>Index of the largest logit; the first one on ties (as torch.argmax).</summary>
    /// <exception cref="ArgumentException">The row is empty.</exception>
    public static int Argmax(ReadOnlySpan<float> logits)
    {
        if (logits.IsEmpty)
        {
            throw new ArgumentException("no logits", nameof(logits));
        }

        int best = 0;
        for (int i = 1; i < logits.Length; i++)
        {
            if (logits[i] > logits[best])
            {
                best = i;
            }
        }

        return best;
    }

    /// <summary>Draws an index from <c>softmax(logits)</c> by inverse CDF with one uniform number; masked entries never win.</summary>
    /// <exception cref="ArgumentException">Every logit is masked.</exception>
    public static int Sample(ReadOnlySpan<float> logits, SeededRandom random)
    {
        ArgumentNullException.ThrowIfNull(random);
        double[] probabilities = LogitsProcessors.Softmax(logits);
        double target = random.NextDouble();
        double cumulative = 0;
        int lastPossible = -1;
        for (int i = 0; i < probabilities.Length; i++)
        {
            if (probabilities[i] <= 0)
            {
                continue;
            }

            lastPossible = i;
            cumulative += probabilities[i];
            if (target < cumulative)
            {
                return i;
            }
        }

        return lastPossible; // rounding left the total just below the draw
    }
}
