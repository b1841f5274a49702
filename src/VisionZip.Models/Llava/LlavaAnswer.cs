using VisionZip.Models.Generation;

namespace VisionZip.Models.Llava;

/// <summary>A generated reply to one LLaVA prompt, with its token counts and timings.</summary>
public sealed class LlavaAnswer
{
    internal LlavaAnswer(string text, int promptTokens, TimeSpan embedTime, GenerationResult generation)
    {
        Text = text;
        PromptTokens = promptTokens;
        EmbedTime = embedTime;
        Generation = generation;
    }

    /// <summary>The reply, special tokens left out.</summary>
    public string Text { get; }

    /// <summary>The generated ids, an end-of-sequence id that stopped generation included.</summary>
    public IReadOnlyList<int> Tokens => Generation.Tokens[0];

    /// <summary>Why generation stopped.</summary>
    public FinishReason FinishReason => Generation.FinishReasons[0];

    /// <summary>Positions prefilled: text tokens plus visual tokens.</summary>
    public int PromptTokens { get; }

    /// <summary>Time to build <c>inputs_embeds</c> (token embedding and the merge of visual tokens).</summary>
    public TimeSpan EmbedTime { get; }

    /// <summary>Prefill time: building the embeddings plus the prompt forward.</summary>
    public TimeSpan PrefillTime => EmbedTime + Generation.PrefillTime;

    /// <summary>Time of the one-token forwards after the prefill.</summary>
    public TimeSpan DecodeTime => Generation.DecodeTime;

    /// <summary>The generator's full result (per-step logits when requested, seed, decode speed).</summary>
    public GenerationResult Generation { get; }
}
