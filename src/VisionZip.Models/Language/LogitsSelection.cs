namespace VisionZip.Models.Language;

/// <summary>Which positions of a forward pass get logits.</summary>
public enum LogitsSelection
{
    /// <summary>Only the last position: [B, vocab]. What prefill and decoding need; never builds [T, vocab].</summary>
    LastPosition,

    /// <summary>Every position: [B, T, vocab]. For parity tests and scoring only.</summary>
    AllPositions,
}
