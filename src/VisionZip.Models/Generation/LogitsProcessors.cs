namespace VisionZip.Models.Generation;

/// <summary>
/// The transformers logits processors and warpers used here, on one row of logits in place, with their
/// semantics: masked entries become negative infinity.
/// </summary>
public static class LogitsProcessors
{
    /// <summary>
    /// transformers <c>RepetitionPenaltyLogitsProcessor</c>: for every token id seen (prompt and generated), a positive
    /// logit is divided by <paramref name="penalty"/> and a negative one multiplied by it.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The penalty is not positive, or a seen id is outside the row.</exception>
    public static void ApplyRepetitionPenalty(Span<float> logits, IEnumerable<int> seenTokens, float penalty)
    {
        ArgumentNullException.ThrowIfNull(seenTokens);
        if (!(penalty > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(penalty), penalty, "must be positive");
        }

        if (penalty == 1f)
        {
            return;
        }

        foreach (int token in seenTokens.Distinct())
        {
            if ((uint)token >= (uint)logits.Length)
            {
                throw new ArgumentOutOfRangeException(nameof(seenTokens), token, $"token id outside the vocabulary of {logits.Length}");
            }

            float value = logits[token];
            logits[token] = value < 0 ? value * penalty : value / penalty;
        }
    }

    /// <summary>transformers <c>TemperatureLogitsWarper</c>: divides every logit by the temperature.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The temperature is not a positive finite number.</exception>
    public static void ApplyTemperature(Span<float> logits, float temperature)
    {
        if (!(temperature > 0) || float.IsInfinity(temperature))
        {
            throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "must be a positive finite number");
        }

        if (temperature == 1f)
        {
            return;
        }

        for (int i = 0; i < logits.Length; i++)
        {
            logits[i] /= temperature;
        }
    }

    /// <summary>
    /// transformers <c>TopKLogitsWarper</c>: masks every logit below the k-th largest (ties with it are kept);
    /// 0 disables it.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="topK"/> is negative.</exception>
    public static void ApplyTopK(Span<float> logits, int topK)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(topK);
        if (topK == 0 || topK >= logits.Length)
        {
            return;
        }

        float[] sorted = logits.ToArray();
        Array.Sort(sorted);
        float threshold = sorted[^topK]; // k-th largest
        for (int i = 0; i < logits.Length; i++)
        {
            if (logits[i] < threshold)
            {
                logits[i] = float.NegativeInfinity;
            }
        }
    }

    /// <summary>
    /// transformers <c>TopPLogitsWarper</c> (nucleus): sorts ascending, masks the tokens whose cumulative probability
    /// is at most <c>1 - top_p</c>, always keeping the most likely token; 1 disables it.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="topP"/> is not in (0, 1].</exception>
    public static void ApplyTopP(Span<float> logits, float topP)
    {
        if (!(topP > 0 && topP <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(topP), topP, "must be in (0, 1]");
        }

        if (topP == 1f || logits.Length == 0)
        {
            return;
        }

        int[] order = new int[logits.Length];
        for (int i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }

        float[] values = logits.ToArray();
        Array.Sort(order, (a, b) => values[a] != values[b] ? values[a].CompareTo(values[b]) : a.CompareTo(b)); // ascending, stable
        double[] probabilities = Softmax(values);
        double cumulative = 0;
        double limit = 1.0 - topP;
        for (int rank = 0; rank < order.Length - 1; rank++) // the last (most likely) token is always kept
        {
            cumulative += probabilities[order[rank]];
            if (cumulative > limit)
            {
                break;
            }

            logits[order[rank]] = float.NegativeInfinity;
        }
    }

    /// <summary>Softmax in double precision; masked (negative infinity) entries get probability 0.</summary>
    public static double[] Softmax(ReadOnlySpan<float> logits)
    {
        float max = float.NegativeInfinity;
        foreach (float value in logits)
        {
            max = Math.Max(max, value);
        }

        double[] probabilities = new double[logits.Length];
        if (float.IsNegativeInfinity(max))
        {
            throw new ArgumentException("every logit is masked", nameof(logits));
        }

        double total = 0;
        for (int i = 0; i < logits.Length; i++)
        {
            double weight = Math.Exp((double)logits[i] - max);
            probabilities[i] = weight;
            total += weight;
        }

        for (int i = 0; i < probabilities.Length; i++)
        {
            probabilities[i] /= total;
        }

        return probabilities;
    }
}
