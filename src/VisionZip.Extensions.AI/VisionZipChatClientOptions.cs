using VisionZip.Models.Imaging;

namespace VisionZip.Extensions.AI;

/// <summary>How a <see cref="VisionZipChatClient"/> treats every request unless the request says otherwise.</summary>
public sealed class VisionZipChatClientOptions
{
    /// <summary>
    /// VisionZip budget for every image (per request: <c>AdditionalProperties["visionzip.budget"] = "54+10"</c>);
    /// default LLaVA-1.5's 64 tokens (54 dominant + 10 contextual). Ignored when <see cref="Reducer"/> is <c>"none"</c>.
    /// </summary>
    public ZipBudget Budget { get; set; } = ZipPresets.Llava15_64;

    /// <summary>
    /// Visual-token reducer: <c>"visionzip"</c> (default) or <c>"none"</c> (vanilla LLaVA, every visual token);
    /// per request: <c>AdditionalProperties["visionzip.reducer"]</c>.
    /// </summary>
    public string Reducer { get; set; } = ReducerNames.VisionZip;

    /// <summary>Model id reported in responses and metadata; default the checkpoint directory's name.</summary>
    public string? ModelId { get; set; }

    /// <summary>
    /// Directories whose files a <c>file:</c> <see cref="Microsoft.Extensions.AI.UriContent"/> may name (subdirectories
    /// included). Empty (default) refuses every <c>file:</c> URI. Nothing is ever downloaded.
    /// </summary>
    public IList<string> AllowedImageDirectories { get; } = [];

    /// <summary>Largest decoded image accepted, in pixels (width x height); larger images are refused before decoding.</summary>
    public long MaxImagePixels { get; set; } = 40_000_000;

    /// <summary>
    /// Conversations whose KV cache (and encoded images) are kept for reuse, least recently used evicted first; 0 disables
    /// reuse. Each costs its KV cache (e.g. about 52 MiB per 1000 positions... see the README) of memory.
    /// </summary>
    public int MaxCachedConversations { get; set; } = 4;

    /// <summary>
    /// Requests that may wait for the model beside the one running; one more is refused with
    /// <see cref="VisionZipQueueFullException"/> at once, so memory stays bounded under a burst.
    /// </summary>
    public int MaxQueuedRequests { get; set; } = 16;

    /// <summary>
    /// VisionZip‡ projector adapters (files written by <c>visionzip tune</c>) added to the model when the client is
    /// created: images reduced with the reducer and budget an adapter was tuned for go through its tuned projector. An
    /// adapter made for another checkpoint is refused when the client is created.
    /// </summary>
    public IList<string> ProjectorAdapters { get; } = [];

    /// <summary>Checks every field.</summary>
    /// <exception cref="ArgumentException">A field is out of range; the message names it.</exception>
    public void Validate()
    {
        if (!ReducerNames.IsKnown(Reducer))
        {
            throw new ArgumentException($"VisionZipChatClientOptions.Reducer must be 'visionzip' or 'none', got '{Reducer}'", nameof(Reducer));
        }

        if (Budget.Dominant < 1 || Budget.Contextual < 0)
        {
            throw new ArgumentException($"VisionZipChatClientOptions.Budget must have at least 1 dominant token, got {Budget}", nameof(Budget));
        }

        if (MaxImagePixels < 1)
        {
            throw new ArgumentException($"VisionZipChatClientOptions.MaxImagePixels must be positive, got {MaxImagePixels}", nameof(MaxImagePixels));
        }

        if (MaxCachedConversations < 0)
        {
            throw new ArgumentException($"VisionZipChatClientOptions.MaxCachedConversations must be 0 or more, got {MaxCachedConversations}",
                nameof(MaxCachedConversations));
        }

        if (MaxQueuedRequests < 0)
        {
            throw new ArgumentException($"VisionZipChatClientOptions.MaxQueuedRequests must be 0 or more, got {MaxQueuedRequests}",
                nameof(MaxQueuedRequests));
        }
    }
}
