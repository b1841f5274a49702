namespace VisionZip.Models.Generation;

/// <summary>One generated position for every sequence of the batch, as streamed.</summary>
public sealed class GenerationStep
{
    /// <summary>Placeholder in <see cref="Tokens"/> for a sequence that had already finished.</summary>
    public const int NoToken = -1;

    internal GenerationStep(int index, int[] tokens, FinishReason?[] finished, float[]? logits, TimeSpan prefillTime, TimeSpan decodeTime)
    {
        Index = index;
        Tokens = tokens;
        Finished = finished;
        Logits = logits;
        PrefillTime = prefillTime;
        DecodeTime = decodeTime;
    }

    /// <summary>0 for the token chosen from the prompt's last position, then 1, 2, ...</summary>
    public int Index { get; }

    /// <summary>Per sequence, the new token, or <see cref="NoToken"/> where the sequence finished earlier.</summary>
    public IReadOnlyList<int> Tokens { get; }

    /// <summary>The token of sequence 0 (batch-1 convenience).</summary>
    public int Token => Tokens[0];

    /// <summary>Per sequence, why it finished at this step, or null when it goes on (or had finished earlier).</summary>
    public IReadOnlyList<FinishReason?> Finished { get; }

    /// <summary>
    /// The raw model logits that chose these tokens, row-major [B * vocab] float32, when
    /// <see cref="GenerationOptions.ReturnLogits"/> is set; otherwise null.
    /// </summary>
    public float[]? Logits { get; }

    /// <summary>Time the prompt (prefill) forward took.</summary>
    public TimeSpan PrefillTime { get; }

    /// <summary>Time spent so far in one-token forwards after the prefill.</summary>
    public TimeSpan DecodeTime { get; }
}
