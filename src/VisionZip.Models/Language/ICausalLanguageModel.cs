using static TorchSharp.torch;

namespace VisionZip.Models.Language;

/// <summary>A decoder that predicts next-token logits with a <see cref="KvCache"/>; what generation needs.</summary>
public interface ICausalLanguageModel
{
    /// <summary>Longest sequence (cached plus new positions) the model accepts (<c>max_position_embeddings</c>).</summary>
    int ContextLength { get; }

    /// <summary>Creates an empty cache for this model.</summary>
    /// <param name="initialCapacity">Positions to preallocate (the expected total length avoids regrowth).</param>
    KvCache CreateCache(int initialCapacity = 0);

    /// <summary>Runs token ids [B, T] after the cached positions and appends them to the cache.</summary>
    /// <returns>float32 logits [B, vocab] (last position) or [B, T, vocab].</returns>
    Tensor Forward(Tensor inputIds, KvCache? cache = null, LogitsSelection logits = LogitsSelection.LastPosition);

    /// <summary>Runs input embeddings [B, T, hidden] after the cached positions and appends them to the cache.</summary>
    /// <returns>float32 logits [B, vocab] (last position) or [B, T, vocab].</returns>
    Tensor ForwardEmbeddings(Tensor inputsEmbeds, KvCache? cache = null, LogitsSelection logits = LogitsSelection.LastPosition);
}
