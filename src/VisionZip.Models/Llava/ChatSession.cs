using VisionZip.Models;
using VisionZip.Models.Errors;
using VisionZip.Models.Generation;
using VisionZip.Models.Imaging;
using VisionZip.Models.Language;
using VisionZip.Models.Tokenization;

namespace VisionZip.Models.Llava;

/// <summary>
/// A multi-turn conversation about images that keeps its KV cache between turns: every image is encoded (and zipped)
/// once, when the turn that attaches it is asked, and a follow-up question prefills only its own new tokens.
/// </summary>
/// <remarks>
/// <para>The cache holds exactly the tokens fed so far (<see cref="PrefilledIds"/>, one placeholder per image, plus each
/// image's visual tokens), so a turn's logits equal one prefill of that whole sequence. A follow-up prompt is what the
/// conversation format appends after the previous reply (e.g. <c>&lt;/s&gt;USER: Q2 ASSISTANT:</c>), without the
/// end-of-turn text when the model generated it as its stop token; the previous reply's last token, which generation
/// leaves out of the cache, opens it.</para>
/// <para>Not thread-safe: one conversation, one caller at a time. Dispose it to free the cache and the encoded images;
/// the pipeline stays owned by its creator.</para>
/// </remarks>
public sealed class ChatSession : IDisposable
{
    private readonly VisionLanguageModel _pipeline;
    private readonly KvCache _cache;
    private readonly List<ChatMessage> _messages = [];
    private readonly List<EncodedImage> _images = [];
    private readonly List<long> _prefilled = [];
    private readonly List<ChatTurn> _turns = [];
    private readonly List<int> _imagesPerTurn = [];   // images attached by each turn still in the context, oldest first
    private readonly int _systemMessages;
    private long? _pending;           // the previous reply's last token: generated but not yet in the cache
    private bool _disposed;

    /// <summary>Starts an empty conversation.</summary>
    /// <param name="pipeline">The loaded pipeline (not owned).</param>
    /// <param name="budget">VisionZip budget for every image; null = vanilla.</param>
    /// <param name="mode">Crop or pad for every image.</param>
    /// <param name="systemPrompt">An optional system message rendered before the first turn.</param>
    /// <param name="contextPolicy">What to do when a turn no longer fits the context (default: refuse it).</param>
    public ChatSession(VisionLanguageModel pipeline, ZipBudget? budget = null, ImageMode mode = ImageMode.Default, string? systemPrompt = null,
        ContextPolicy contextPolicy = ContextPolicy.Refuse)
        : this(pipeline, ImageEncodeOptions.FromBudget(budget, mode), systemPrompt, contextPolicy)
    {
    }

    /// <summary>Starts an empty conversation whose images are encoded with <paramref name="imageOptions"/> (any reducer).</summary>
    /// <param name="pipeline">The loaded model (not owned).</param>
    /// <param name="imageOptions">Reducer and mode for every image.</param>
    /// <param name="systemPrompt">An optional system message rendered before the first turn.</param>
    /// <param name="contextPolicy">What to do when a turn no longer fits the context (default: refuse it).</param>
    public ChatSession(VisionLanguageModel pipeline, ImageEncodeOptions imageOptions, string? systemPrompt = null,
        ContextPolicy contextPolicy = ContextPolicy.Refuse)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        ArgumentNullException.ThrowIfNull(imageOptions);
        _pipeline = pipeline;
        ImageOptions = imageOptions;
        ContextPolicy = contextPolicy;
        _cache = pipeline.LanguageModel.CreateCache();
        if (!string.IsNullOrEmpty(systemPrompt))
        {
            _messages.Add(ChatMessage.System(systemPrompt));
        }

        _systemMessages = _messages.Count;
    }

    /// <summary>What happens when a turn no longer fits the context.</summary>
    public ContextPolicy ContextPolicy { get; }

    /// <summary>Turns dropped from the context so far under <see cref="ContextPolicy.DropOldestTurns"/>.</summary>
    public int TurnsDropped { get; private set; }

    /// <summary>Turns whose messages the context still holds (dropped turns stay in <see cref="Turns"/> as history).</summary>
    public int TurnsInContext => _imagesPerTurn.Count;

    /// <summary>Reducer and mode for every image.</summary>
    public ImageEncodeOptions ImageOptions { get; }

    /// <summary>VisionZip budget applied to every image; null = vanilla or another reducer.</summary>
    public ZipBudget? Budget => (ImageOptions.Reducer as VisionZipReducer)?.Budget;

    /// <summary>Crop or pad, for every image.</summary>
    public ImageMode Mode => ImageOptions.Mode;

    /// <summary>The conversation so far (system, user and assistant messages).</summary>
    public IReadOnlyList<ChatMessage> Messages => _messages;

    /// <summary>Every image of the conversation, encoded once, in placeholder order.</summary>
    public IReadOnlyList<EncodedImage> Images => _images;

    /// <summary>How many images this session has encoded; each image is encoded exactly once.</summary>
    public int ImagesEncoded => _images.Count;

    /// <summary>The turns asked so far.</summary>
    public IReadOnlyList<ChatTurn> Turns => _turns;

    /// <summary>
    /// The token ids the KV cache holds, one <c>&lt;image&gt;</c> per image: prefilling them with <see cref="Images"/>
    /// from an empty cache reproduces this session's cache.
    /// </summary>
    public IReadOnlyList<long> PrefilledIds => _prefilled;

    /// <summary>Positions the KV cache holds (text plus visual tokens).</summary>
    public int CachedTokens => _cache.Length;

    /// <summary>Asks a question about new images given as files (see <see cref="Ask(string, IReadOnlyList{RgbImage}?, GenerationOptions?, CancellationToken)"/>).</summary>
    /// <param name="question">The user's question.</param>
    /// <param name="imagePaths">Image files attached to this question.</param>
    /// <param name="options">Sampling and stop rules; null = the pipeline's defaults.</param>
    /// <param name="cancellationToken">Checked before the prefill and between tokens.</param>
    /// <exception cref="FileNotFoundException">An image file is missing.</exception>
    public ChatTurn Ask(string question, IReadOnlyList<string> imagePaths, GenerationOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(imagePaths);
        return Ask(question, [.. imagePaths.Select(path => ImageDecoder.Load(path))], options, cancellationToken);
    }

    /// <summary>
    /// Asks a question, optionally about new images: encodes only those images, prefills only the new tokens after the
    /// cached conversation, then generates the reply.
    /// </summary>
    /// <param name="question">The user's question.</param>
    /// <param name="images">Images attached to this question (rendered before its text); null or empty for none.</param>
    /// <param name="options">Sampling and stop rules; null = the pipeline's defaults.</param>
    /// <param name="cancellationToken">Checked before the prefill and between tokens.</param>
    /// <exception cref="ArgumentException">Invalid options.</exception>
    /// <exception cref="Errors.ContextFullException">The context would overflow.</exception>
    public ChatTurn Ask(string question, IReadOnlyList<RgbImage>? images = null, GenerationOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        options ??= _pipeline.DefaultGenerationOptions;
        var prompt = Begin(question, images, options);
        using var embeds = prompt.Embeds;
        GenerationResult result;
        try
        {
            result = _pipeline.Generator.Generate(GenerationPrompt.FromEmbeddings(embeds, [prompt.TextIds]),
                options, _cache, cancellationToken);
        }
        catch
        {
            Abandon(prompt);
            throw;
        }

        return Finish(prompt, result.Tokens[0], result.FinishReasons[0], result.PrefillTime, result.DecodeTime, result.StepLogits?[0]);
    }

    /// <summary>As <see cref="Ask(string, IReadOnlyList{RgbImage}?, GenerationOptions?, CancellationToken)"/>, passing the reply's text to <paramref name="onText"/> as it is generated.</summary>
    /// <param name="question">The user's question.</param>
    /// <param name="images">Images attached to this question; null or empty for none.</param>
    /// <param name="onText">Receives every new piece of the reply's text.</param>
    /// <param name="options">Sampling and stop rules; null = the pipeline's defaults.</param>
    /// <param name="cancellationToken">Checked before the prefill and between tokens.</param>
    /// <exception cref="ArgumentException">Invalid options.</exception>
    /// <exception cref="Errors.ContextFullException">The context would overflow.</exception>
    public async Task<ChatTurn> AskAsync(string question, IReadOnlyList<RgbImage>? images, Action<string> onText,
        GenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(onText);
        options ??= _pipeline.DefaultGenerationOptions;
        var prompt = Begin(question, images, options);
        try
        {
            var detokenizer = new StreamingDetokenizer(_pipeline.Tokenizer);
            var tokens = new List<int>();
            FinishReason finish = FinishReason.MaxNewTokens;
            float[]? firstLogits = null;
            TimeSpan prefillTime = default, decodeTime = default;
            var steps = _pipeline.Generator.StreamAsync(GenerationPrompt.FromEmbeddings(prompt.Embeds, [prompt.TextIds]),
                options, _cache, cancellationToken);
            await foreach (var step in steps.ConfigureAwait(false))
            {
                firstLogits ??= step.Logits;
                (prefillTime, decodeTime) = (step.PrefillTime, step.DecodeTime);
                if (step.Token == GenerationStep.NoToken)
                {
                    continue;
                }

                tokens.Add(step.Token);
                string piece = detokenizer.Append(step.Token);
                if (piece.Length > 0)
                {
                    onText(piece);
                }

                finish = step.Finished[0] ?? finish;
            }

            return Finish(prompt, tokens, finish, prefillTime, decodeTime, firstLogits);
        }
        catch
        {
            Abandon(prompt);
            throw;
        }
        finally
        {
            prompt.Embeds.Dispose();
        }
    }

    /// <summary>
    /// Starts the conversation over: empties the KV cache, frees every encoded image and forgets every turn; the system
    /// prompt, budget, mode and policy stay.
    /// </summary>
    public void Reset()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _cache.Truncate(0);
        _images.ForEach(image => image.Dispose());
        _images.Clear();
        _messages.RemoveRange(_systemMessages, _messages.Count - _systemMessages);
        _prefilled.Clear();
        _turns.Clear();
        _imagesPerTurn.Clear();
        _pending = null;
        TurnsDropped = 0;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _cache.Dispose();
        _images.ForEach(image => image.Dispose());
    }

    private TurnPrompt Begin(string question, IReadOnlyList<RgbImage>? images, GenerationOptions options)
    {
        ArgumentNullException.ThrowIfNull(question);
        ObjectDisposedException.ThrowIf(_disposed, this);
        var newImages = new List<EncodedImage>();
        try
        {
            foreach (var image in images ?? [])
            {
                newImages.Add(_pipeline.EncodeImage(image, ImageOptions));
            }

            var message = ChatMessage.User(question, newImages.Count);
            var (ids, promptImages) = PromptFor(message, newImages, options);
            var (embeds, textIds, length, embedTime) = _pipeline.BuildPrompt(ids, promptImages);
            return new TurnPrompt(question, message, ids, newImages, embeds, textIds, length, embedTime, _cache.Length);
        }
        catch
        {
            newImages.ForEach(image => image.Dispose());
            throw;
        }
    }

    // The ids to prefill for the next turn and the images they hold, after applying the context policy: a follow-up
    // continues the cache; after a drop (or on the first turn) the whole remaining conversation is prefilled anew.
    private (List<long> Ids, List<EncodedImage> Images) PromptFor(ChatMessage message, List<EncodedImage> newImages, GenerationOptions options)
    {
        long context = _pipeline.LanguageModel.ContextLength;
        long answerRoom = ContextPolicy == ContextPolicy.DropOldestTurns ? Math.Clamp(options.MaxNewTokens, 1, context / 2) : 1;
        while (true)
        {
            bool fresh = _cache.Length == 0;
            List<long> ids = fresh
                ? [.. _pipeline.Tokenize(_pipeline.ChatTemplate.Render([.. _messages, message], addGenerationPrompt: true))]
                : FollowUpIds(message);
            if (!fresh && _pending is { } pending)
            {
                ids.Insert(0, pending);
            }

            List<EncodedImage> promptImages = fresh ? [.. _images, .. newImages] : newImages;
            long length = ids.Count - promptImages.Count + promptImages.Sum(image => (long)image.TokenCount);
            long needed = _cache.Length + length + answerRoom;
            if (needed <= context)
            {
                return (ids, promptImages);
            }

            if (ContextPolicy == ContextPolicy.Refuse || _imagesPerTurn.Count == 0)
            {
                if (ContextPolicy == ContextPolicy.DropOldestTurns && _cache.Length + length + 1 <= context)
                {
                    return (ids, promptImages);        // alone it fits; its answer may stop at the context's end
                }

                throw new ContextFullException(_cache.Length + length + 1, context, ContextPolicy == ContextPolicy.Refuse
                    ? $"the context is full: this turn needs {length} positions after the {_cache.Length} the conversation holds, " +
                      $"and the model's context is {context}; ask something shorter or reset the conversation"
                    : $"this turn alone needs {length} positions (its text and images) and the model's context is {context}");
            }

            DropOldestTurn();
        }
    }

    // Forgets the oldest turn in the context (its question, answer and images) and empties the cache, so the next
    // prompt is the whole remaining conversation prefilled anew.
    private void DropOldestTurn()
    {
        int imageCount = _imagesPerTurn[0];
        _imagesPerTurn.RemoveAt(0);
        _images.Take(imageCount).ToList().ForEach(image => image.Dispose());
        _images.RemoveRange(0, imageCount);
        _messages.RemoveRange(_systemMessages, 2);     // the turn's user message and the assistant's reply
        _cache.Truncate(0);
        _prefilled.Clear();
        _pending = null;
        TurnsDropped++;
    }

    // A turn that failed or was cancelled leaves the session as it was: its images go, the cache is cut back.
    private void Abandon(TurnPrompt prompt)
    {
        prompt.NewImages.ForEach(image => image.Dispose());
        _cache.Truncate(prompt.CachedBefore);
    }

    private ChatTurn Finish(TurnPrompt prompt, IReadOnlyList<int> answerIds, FinishReason finish, TimeSpan prefillTime,
        TimeSpan decodeTime, float[]? firstLogits)
    {
        // The generator leaves the cache holding the prompt and every generated token but the last.
        _images.AddRange(prompt.NewImages);
        _imagesPerTurn.Add(prompt.NewImages.Count);
        _prefilled.AddRange(prompt.Ids);
        _prefilled.AddRange(answerIds.Take(answerIds.Count - 1).Select(id => (long)id));
        _pending = answerIds.Count > 0 ? answerIds[^1] : null;
        _messages.Add(prompt.Message);
        string answer = _pipeline.Tokenizer.Decode(answerIds, skipSpecialTokens: true);
        _messages.Add(ChatMessage.Assistant(answer));
        var turn = new ChatTurn(prompt.Question, answer, answerIds, finish, prompt.Length, prompt.CachedBefore,
            prompt.EmbedTime + prefillTime, decodeTime, firstLogits, [.. prompt.NewImages.Select(i => i.Stats)]);
        _turns.Add(turn);
        return turn;
    }

    // What the conversation format appends after the previous reply: the reply's closing text (unless the model
    // generated it as its stop token) and the new user turn with the generation prompt.
    private List<long> FollowUpIds(ChatMessage next)
    {
        var template = _pipeline.ChatTemplate;
        string withReply = template.Render(_messages, addGenerationPrompt: false);
        string full = template.Render([.. _messages, next], addGenerationPrompt: true);
        if (!full.StartsWith(withReply, StringComparison.Ordinal))
        {
            throw new InvalidOperationException(
                $"chat template '{template.Name}' does not render the conversation as a prefix of its continuation; a follow-up cannot reuse the cache");
        }

        string closing = "";
        string beforeReply = template.Render([.. _messages.Take(_messages.Count - 1)], addGenerationPrompt: true);
        if (withReply.StartsWith(beforeReply, StringComparison.Ordinal))
        {
            string rendered = withReply[beforeReply.Length..];                 // e.g. " A1</s>" or "\nA1<|im_end|>\n"
            foreach (string reply in new[] { _messages[^1].Text, _messages[^1].Text.Trim() })
            {
                int at = reply.Length == 0 ? -1 : rendered.LastIndexOf(reply, StringComparison.Ordinal);
                if (at >= 0)
                {
                    closing = rendered[(at + reply.Length)..];
                    break;
                }
            }
        }

        var last = _turns[^1];
        if (last.FinishReason == FinishReason.EndOfSequence && last.AnswerIds.Count > 0
            && _pipeline.Tokenizer.IdToToken(last.AnswerIds[^1]) is { Length: > 0 } stop
            && closing.StartsWith(stop, StringComparison.Ordinal))
        {
            closing = closing[stop.Length..];
        }

        string text = closing + full[withReply.Length..];
        return [.. _pipeline.Tokenizer.Encode(text, addSpecialTokens: false).Select(id => (long)id)];
    }

    private sealed record TurnPrompt(
        string Question,
        ChatMessage Message,
        List<long> Ids,
        List<EncodedImage> NewImages,
        TorchSharp.torch.Tensor Embeds,
        IReadOnlyList<int> TextIds,
        int Length,
        TimeSpan EmbedTime,
        int CachedBefore);
}
