using static TorchSharp.torch;

namespace VisionZip.Models.Generation;

/// <summary>Everything one generation produced: tokens, why each sequence stopped, optional logits and timings.</summary>
public sealed class GenerationResult
{
    internal GenerationResult(IReadOnlyList<IReadOnlyList<int>> tokens, IReadOnlyList<FinishReason> finishReasons,
        IReadOnlyList<float[]>? stepLogits, int vocabSize, int promptLength, long seed,
        TimeSpan prefillTime, TimeSpan decodeTime, int decodeSteps)
    {
        Tokens = tokens;
        FinishReasons = finishReasons;
        StepLogits = stepLogits;
        VocabSize = vocabSize;
        PromptLength = promptLength;
        Seed = seed;
        PrefillTime = prefillTime;
        DecodeTime = decodeTime;
        DecodeSteps = decodeSteps;
    }

    /// <summary>Per sequence, the generated ids (an end-of-sequence id that stopped it included).</summary>
    public IReadOnlyList<IReadOnlyList<int>> Tokens { get; }

    /// <summary>Per sequence, why it stopped.</summary>
    public IReadOnlyList<FinishReason> FinishReasons { get; }

    /// <summary>
    /// When <see cref="GenerationOptions.ReturnLogits"/> was set: per step, the raw logits that chose that step's
    /// tokens, row-major [B * vocab] (step 0 = the prompt's last position); otherwise null.
    /// </summary>
    public IReadOnlyList<float[]>? StepLogits { get; }

    /// <summary>Width of a logits row.</summary>
    public int VocabSize { get; }

    /// <summary>Positions in the prompt (the cache may have held more before it).</summary>
    public int PromptLength { get; }

    /// <summary>The sampler seed used (the given one, or the drawn one).</summary>
    public long Seed { get; }

    /// <summary>Time of the prompt forward, logits copied to the host included.</summary>
    public TimeSpan PrefillTime { get; }

    /// <summary>Total time of the one-token forwards after the prefill.</summary>
    public TimeSpan DecodeTime { get; }

    /// <summary>Number of one-token forwards after the prefill.</summary>
    public int DecodeSteps { get; }

    /// <summary>Decode speed per sequence: one-token forwards per second (0 when there were none).</summary>
    public double DecodeTokensPerSecond => DecodeSteps == 0 || DecodeTime <= TimeSpan.Zero ? 0 : DecodeSteps / DecodeTime.TotalSeconds;

    /// <summary>The step logits as a new CPU float32 tensor [B, steps, vocab]; the caller disposes it.</summary>
    /// <exception cref="InvalidOperationException">Logits were not requested.</exception>
    public Tensor StepLogitsTensor()
    {
        if (StepLogits is null)
        {
            throw new InvalidOperationException("logits were not kept; set GenerationOptions.ReturnLogits");
        }

        int batch = Tokens.Count;
        int steps = StepLogits.Count;
        float[] data = new float[batch * steps * VocabSize];
        for (int step = 0; step < steps; step++)
        {
            for (int row = 0; row < batch; row++)
            {
                Array.Copy(StepLogits[step], row * VocabSize, data, ((row * steps) + step) * VocabSize, VocabSize);
            }
        }

        return tensor(data, [batch, steps, VocabSize]);
    }
}
