using VisionZip.Models;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using VisionZip.Models.Generation;
using VisionZip.Models.Imaging;
using VisionZip.Models.Language;
using VisionZip.Models.Llava;
using VisionZip.Models.Tokenization;
using AIChatMessage = Microsoft.Extensions.AI.ChatMessage;

namespace VisionZip.Extensions.AI;

/// <summary>
/// An <see cref="IChatClient"/> over a LLaVA checkpoint whose images reach the language model through VisionZip (fewer
/// visual tokens). Messages carry text and images (<see cref="DataContent"/> bytes or <c>data:</c> URIs, or
/// <see cref="UriContent"/> <c>file:</c> URIs inside <see cref="VisionZipChatClientOptions.AllowedImageDirectories"/>).
/// </summary>
/// <remarks>
/// <para><b>Concurrency:</b> one model, one request at a time. Calls from any number of threads are queued in arrival
/// order and run one after another (a streaming call holds the model until its enumeration ends or is abandoned); at most
/// <see cref="VisionZipChatClientOptions.MaxQueuedRequests"/> wait, the next gets <see cref="VisionZipQueueFullException"/>.</para>
/// <para><b>Conversation reuse:</b> a request whose messages extend an earlier conversation continues that conversation's
/// KV cache (bounded LRU, <see cref="VisionZipChatClientOptions.MaxCachedConversations"/>) and reuses its encoded images, so
/// only the new tokens are prefilled (<see cref="UsageDetails.CachedInputTokenCount"/>); a request that diverges keeps only
/// the shared prefix. The answer is the one a fresh client gives.</para>
/// <para><b>Stop sequences</b> end the answer and, as with OpenAI, are not part of its text.</para>
/// <para><b>Finish reasons:</b> end-of-sequence or a stop sequence → <see cref="ChatFinishReason.Stop"/>;
/// <c>MaxOutputTokens</c> → <see cref="ChatFinishReason.Length"/>; a full context → <see cref="ContextFull"/>.
/// A stop sequence's own text stays in the reply. Cancellation is honoured while waiting and between tokens.</para>
/// <para>Dispose the client once; a client made by <see cref="Load"/> disposes its model too.</para>
/// </remarks>
public sealed partial class VisionZipChatClient : IChatClient
{
    /// <summary>Finish reason when the model's context is full.</summary>
    public static readonly ChatFinishReason ContextFull = new("context_full");

    private readonly ILlavaBackend _backend;
    private readonly VisionZipChatClientOptions _options;
    private readonly ILogger _logger;
    private readonly RequestQueue _queue;
    private readonly ConversationCache _conversations;
    private readonly string[] _allowedDirectories;
    private int _disposed;

    internal VisionZipChatClient(ILlavaBackend backend, VisionZipChatClientOptions? options, ILogger<VisionZipChatClient>? logger)
    {
        _backend = backend;
        _options = options ?? new VisionZipChatClientOptions();
        _options.Validate();
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _queue = new RequestQueue(_options.MaxQueuedRequests);
        _conversations = new ConversationCache(_options.MaxCachedConversations);
        _allowedDirectories = [.. _options.AllowedImageDirectories];
        ModelId = _options.ModelId ?? Path.GetFileName(Path.TrimEndingDirectorySeparator(backend.Directory));
        Metadata = new ChatClientMetadata("visionzip", new Uri(Path.TrimEndingDirectorySeparator(backend.Directory) + Path.DirectorySeparatorChar), ModelId);
    }

    /// <summary>The model id reported in responses (the checkpoint directory's name unless the options name one).</summary>
    public string ModelId { get; }

    /// <summary>Provider <c>"visionzip"</c>, the checkpoint directory as a <c>file:</c> URI, and <see cref="ModelId"/>.</summary>
    public ChatClientMetadata Metadata { get; }

    /// <summary>Requests running or waiting now.</summary>
    public int PendingRequests => _queue.Admitted;

    /// <summary>Conversations whose KV cache is kept now.</summary>
    public int CachedConversations => _conversations.Count;

    /// <inheritdoc />
    /// <exception cref="ArgumentException">A malformed conversation, an unsupported image or option value.</exception>
    /// <exception cref="NotSupportedException">Tools, tool messages or a non-text response format.</exception>
    /// <exception cref="Models.Errors.ImageException">An image that does not decode.</exception>
    /// <exception cref="Models.Errors.ResourceLimitException">An image with too many pixels.</exception>
    /// <exception cref="VisionZipQueueFullException">Too many requests are waiting.</exception>
    public async Task<ChatResponse> GetResponseAsync(IEnumerable<AIChatMessage> messages, ChatOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        var text = new StringBuilder();
        GenerationPiece? last = null;
        await foreach (var piece in RunAsync(messages, options, cancellationToken).ConfigureAwait(false))
        {
            text.Append(piece.Text);
            last = piece;
        }

        var message = new AIChatMessage(ChatRole.Assistant, text.ToString()) { MessageId = NewId("msg") };
        return new ChatResponse(message)
        {
            ResponseId = NewId("chatcmpl"),
            ModelId = ModelId,
            CreatedAt = DateTimeOffset.UtcNow,
            FinishReason = last?.FinishReason,
            Usage = last?.Usage,
            AdditionalProperties = last?.Timings,
        };
    }

    /// <inheritdoc />
    /// <remarks>One update per detokenised text piece; the last carries the finish reason, a <see cref="UsageContent"/> and the timings.</remarks>
    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<AIChatMessage> messages, ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        string responseId = NewId("chatcmpl");
        string messageId = NewId("msg");
        var created = DateTimeOffset.UtcNow;
        await foreach (var piece in RunAsync(messages, options, cancellationToken).ConfigureAwait(false))
        {
            var update = new ChatResponseUpdate(ChatRole.Assistant, piece.Text)
            {
                ResponseId = responseId,
                MessageId = messageId,
                ModelId = ModelId,
                CreatedAt = created,
                FinishReason = piece.FinishReason,
                AdditionalProperties = piece.Timings,
            };
            if (piece.Usage is not null)
            {
                update.Contents.Add(new UsageContent(piece.Usage));
            }

            yield return update;
        }
    }

    /// <inheritdoc />
    /// <remarks><see cref="ChatClientMetadata"/>, the loaded model (e.g. <see cref="VisionLanguageModel"/>), or this client.</remarks>
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is not null)
        {
            return null;
        }

        if (serviceType == typeof(ChatClientMetadata))
        {
            return Metadata;
        }

        if (serviceType.IsInstanceOfType(_backend.Model))
        {
            return _backend.Model;
        }

        return serviceType.IsInstanceOfType(this) ? this : null;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _conversations.Dispose();
        _queue.Dispose();
        _backend.Dispose();
    }

    private async IAsyncEnumerable<GenerationPiece> RunAsync(IEnumerable<AIChatMessage> messages, ChatOptions? options,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);

        // Everything that can be checked without the model is checked before queueing.
        var (conversation, imageContents) = ConversationMapper.Map(messages);
        var generation = ChatOptionsMapper.Generation(options, _backend.DefaultGenerationOptions);
        var budget = ChatOptionsMapper.Budget(options, _options);
        var sources = imageContents.Select((content, i) => ImageSources.Read(content, _allowedDirectories, i)).ToList();

        using var turn = await _queue.EnterAsync(cancellationToken).ConfigureAwait(false);
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        var clock = Stopwatch.StartNew();
        var (images, keys) = EncodeImages(sources, budget);
        double encodeMs = clock.Elapsed.TotalMilliseconds;

        long[] ids = _backend.RenderPrompt(conversation);
        long imageToken = _backend.ImageTokenId;
        int placeholders = ids.Count(id => id == imageToken);
        if (placeholders != images.Count)
        {
            throw new ArgumentException(
                $"messages: the prompt has {placeholders} image placeholders but {images.Count} images are attached (does a text contain the image token?)",
                nameof(messages));
        }

        var (cache, sharedIds) = _conversations.Take(ids, keys, imageToken) ?? (_backend.CreateCache(), 0);
        int cachedPositions = cache.Length;
        int imagesBefore = ids.Take(sharedIds).Count(id => id == imageToken);
        int promptPositions = ids.Length - images.Count + images.Sum(i => i.TokenCount);
        int[] textIds = [.. ids.Where(id => id != imageToken).Select(id => (int)id)];
        var generated = new List<int>();
        bool kept = false;
        try
        {
            var detokenizer = new StreamingDetokenizer(_backend.Tokenizer);
            var stopFilter = new StopTextFilter(generation.StopStrings);       // OpenAI semantics: the stop text is not in the reply
            var steps = _backend.StreamAsync(ids[sharedIds..], images.GetRange(imagesBefore, images.Count - imagesBefore), textIds, generation,
                cache, cancellationToken);
            TimeSpan prefill = TimeSpan.Zero;
            TimeSpan decode = TimeSpan.Zero;
            FinishReason? finish = null;
            await foreach (var step in steps.ConfigureAwait(false))
            {
                generated.Add(step.Token);
                prefill = step.PrefillTime;
                decode = step.DecodeTime;
                finish = step.Finished[0];
                string piece = stopFilter.Append(detokenizer.Append(step.Token));
                if (finish is null)
                {
                    if (piece.Length > 0)
                    {
                        yield return new GenerationPiece(piece);
                    }

                    continue;
                }

                piece += stopFilter.Append(detokenizer.Flush());
                piece += stopFilter.Flush();
                var usage = Usage(promptPositions, cachedPositions, generated.Count, images);
                var timings = new AdditionalPropertiesDictionary
                {
                    [VisionZipPropertyNames.EncodeMilliseconds] = encodeMs,
                    [VisionZipPropertyNames.PrefillMilliseconds] = prefill.TotalMilliseconds,
                    [VisionZipPropertyNames.DecodeTokensPerSecond] = generated.Count > 1 && decode > TimeSpan.Zero
                        ? (generated.Count - 1) / decode.TotalSeconds
                        : 0.0,
                };
                Log(promptPositions, cachedPositions, generated.Count, finish.Value, prefill);
                KeepConversation(cache, ids, keys, images, generated);
                kept = true;
                yield return new GenerationPiece(piece, MapFinish(finish.Value), usage, timings);
            }
        }
        finally
        {
            if (!kept)
            {
                cache.Dispose();                                              // failed or abandoned: its state is unknown
            }

            _conversations.TrimImages();
        }
    }

    private (List<EncodedImage> Images, List<string> Keys) EncodeImages(List<(ReadOnlyMemory<byte> Bytes, string Name)> sources, (string Reducer, ZipBudget Budget)? budget)
    {
        var images = new List<EncodedImage>();
        var keys = new List<string>();
        var load = new ImageLoadOptions { MaxPixels = _options.MaxImagePixels };
        foreach (var (bytes, name) in sources)
        {
            string key = Convert.ToHexString(SHA256.HashData(bytes.Span)) + (budget is { } b ? $"|{b.Reducer}|{b.Budget.Dominant}+{b.Budget.Contextual}" : "|vanilla");
            var image = _conversations.FindImage(key);
            if (image is null)
            {
                var decoded = ImageDecoder.Decode(bytes.Span, name, load);
                image = _backend.EncodeImage(decoded, budget);
                _conversations.AddImage(key, image);
            }

            images.Add(image);
            keys.Add(key);
        }

        return (images, keys);
    }

    private void KeepConversation(KvCache cache, long[] ids, List<string> keys, List<EncodedImage> images, List<int> generated)
    {
        // The cache holds the prompt and every generated token but the last (generation never feeds the last one back).
        var cachedIds = new List<long>(ids.Length + generated.Count);
        cachedIds.AddRange(ids);
        cachedIds.AddRange(generated.Take(generated.Count - 1).Select(id => (long)id));
        _conversations.Put(cache, cachedIds, [.. keys], [.. images.Select(i => i.TokenCount)]);
    }

    private static UsageDetails Usage(int promptPositions, int cachedPositions, int outputTokens, List<EncodedImage> images) => new()
    {
        InputTokenCount = promptPositions,
        OutputTokenCount = outputTokens,
        TotalTokenCount = promptPositions + outputTokens,
        CachedInputTokenCount = cachedPositions,
        AdditionalCounts = new AdditionalPropertiesDictionary<long>
        {
            [VisionZipPropertyNames.VisualTokensBefore] = images.Sum(i => (long)i.Stats.TokensBefore),
            [VisionZipPropertyNames.VisualTokensAfter] = images.Sum(i => (long)i.TokenCount),
            [VisionZipPropertyNames.CachedPromptTokens] = cachedPositions,
        },
    };

    private static ChatFinishReason MapFinish(FinishReason reason) => reason switch
    {
        FinishReason.EndOfSequence or FinishReason.StopString => ChatFinishReason.Stop,
        FinishReason.MaxNewTokens => ChatFinishReason.Length,
        _ => ContextFull,
    };

    private void Log(int promptPositions, int cachedPositions, int outputTokens, FinishReason finish, TimeSpan prefill)
    {
        if (_logger.IsEnabled(LogLevel.Information))
        {
            _logger.LogInformation(
                "VisionZip chat {Model}: {Prompt} prompt positions ({Cached} from cache), {Output} tokens, {Finish}, prefill {PrefillMs:F0} ms",
                ModelId, promptPositions, cachedPositions, outputTokens, finish, prefill.TotalMilliseconds);
        }
    }

    private static string NewId(string prefix) => $"{prefix}-{Guid.NewGuid():N}";
}
