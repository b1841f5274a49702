using VisionZip.Models.Generation;
using VisionZip.Models.Imaging;
using VisionZip.Models.Language;
using VisionZip.Models.Llava;
using VisionZip.Models.Tokenization;

namespace VisionZip.Extensions.AI;

/// <summary>
/// Everything the chat client needs from a loaded LLaVA model, in one place: render a conversation to prompt ids,
/// encode an image with a budget, create a KV cache and stream generation after what a cache holds. The only file
/// that knows the concrete model type is <see cref="ModelBackend"/>.
/// </summary>
/// <remarks>Not thread-safe: the chat client serialises every call through its request queue.</remarks>
internal interface ILlavaBackend : IDisposable
{
    /// <summary>The loaded model object, exposed through <c>GetService</c>.</summary>
    object Model { get; }

    /// <summary>The checkpoint directory.</summary>
    string Directory { get; }

    /// <summary>Id of the image placeholder token (one per image in prompt ids).</summary>
    long ImageTokenId { get; }

    /// <summary>Longest sequence (positions) the language model accepts.</summary>
    int ContextLength { get; }

    /// <summary>The checkpoint's generation defaults (greedy, its end-of-sequence ids).</summary>
    GenerationOptions DefaultGenerationOptions { get; }

    /// <summary>The tokenizer (streaming detokenisation).</summary>
    ITextTokenizer Tokenizer { get; }

    /// <summary>The conversation as prompt ids: BOS, one image placeholder per image, the assistant's generation prompt.</summary>
    long[] RenderPrompt(IReadOnlyList<ChatMessage> messages);

    /// <summary>Encodes one decoded image; null budget = vanilla.</summary>
    EncodedImage EncodeImage(RgbImage image, (string Reducer, ZipBudget Budget)? reduction);

    /// <summary>An empty KV cache for the language model.</summary>
    KvCache CreateCache();

    /// <summary>
    /// Streams generation for <paramref name="newIds"/> (with <paramref name="newImages"/>) after what
    /// <paramref name="cache"/> holds; <paramref name="allTextIds"/> are every text id of the whole prompt (repetition penalty).
    /// </summary>
    IAsyncEnumerable<GenerationStep> StreamAsync(IReadOnlyList<long> newIds, IReadOnlyList<EncodedImage> newImages,
        IReadOnlyList<int> allTextIds, GenerationOptions options, KvCache cache, CancellationToken cancellationToken);
}
