using static TorchSharp.torch;

namespace VisionZip.Models.Llava;

/// <summary>The outcome of one prefill: the last position's logits and what it cost.</summary>
/// <remarks>Owns <see cref="Logits"/>; dispose it (or move the tensor out) when done.</remarks>
public sealed class PrefillResult : IDisposable
{
    internal PrefillResult(Tensor logits, int tokens, int cachedBefore, TimeSpan embed, TimeSpan elapsed)
    {
        Logits = logits.DetachFromDisposeScope();
        Tokens = tokens;
        CachedBefore = cachedBefore;
        Embed = embed;
        Elapsed = elapsed;
    }

    /// <summary>float32 logits of the last prompt position, <c>[1, vocab]</c>, on the model's device.</summary>
    public Tensor Logits { get; }

    /// <summary>Positions run through the language model in this prefill (text tokens plus visual tokens).</summary>
    public int Tokens { get; }

    /// <summary>Positions the KV cache held before this prefill.</summary>
    public int CachedBefore { get; }

    /// <summary>Time to build <c>inputs_embeds</c> (token embedding and the merge of visual tokens).</summary>
    public TimeSpan Embed { get; }

    /// <summary>Wall time of the whole prefill, embedding included.</summary>
    public TimeSpan Elapsed { get; }

    /// <inheritdoc />
    public void Dispose() => Logits.Dispose();
}
