namespace VisionZip.Models.Generation;

/// <summary>Why a sequence stopped generating.</summary>
public enum FinishReason
{
    /// <summary>It produced one of the end-of-sequence ids (kept as its last token).</summary>
    EndOfSequence,

    /// <summary>Its decoded text came to contain one of the stop strings.</summary>
    StopString,

    /// <summary>It reached <see cref="GenerationOptions.MaxNewTokens"/>.</summary>
    MaxNewTokens,

    /// <summary>The context (<c>max_position_embeddings</c>) is full; no further token can be fed.</summary>
    ContextFull,
}
