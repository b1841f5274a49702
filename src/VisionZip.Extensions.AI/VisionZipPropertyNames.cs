namespace VisionZip.Extensions.AI;

/// <summary>
/// Keys this client reads from <c>ChatOptions.AdditionalProperties</c> and writes to <c>UsageDetails.AdditionalCounts</c>
/// and <c>ChatResponse.AdditionalProperties</c>.
/// </summary>
public static class VisionZipPropertyNames
{
    /// <summary>Request: the VisionZip budget as <c>"dominant+contextual"</c> (e.g. <c>"54+10"</c>) or a <c>ZipBudget</c>.</summary>
    public const string Budget = "visionzip.budget";

    /// <summary>Request: the reducer, <c>"visionzip"</c> or <c>"none"</c>.</summary>
    public const string Reducer = "visionzip.reducer";

    /// <summary>Request: top-k as an integer (same as <c>ChatOptions.TopK</c>).</summary>
    public const string TopK = "top_k";

    /// <summary>Usage: visual tokens the prompt's images would take without reduction.</summary>
    public const string VisualTokensBefore = "visionzip.visual_tokens_before";

    /// <summary>Usage: visual tokens the prompt's images took.</summary>
    public const string VisualTokensAfter = "visionzip.visual_tokens_after";

    /// <summary>Usage: prompt positions served from a kept KV cache (not prefilled again); also <c>CachedInputTokenCount</c>.</summary>
    public const string CachedPromptTokens = "visionzip.cached_prompt_tokens";

    /// <summary>Response: milliseconds spent decoding and encoding images (cached images cost nothing).</summary>
    public const string EncodeMilliseconds = "visionzip.encode_ms";

    /// <summary>Response: milliseconds of the prefill forward.</summary>
    public const string PrefillMilliseconds = "visionzip.prefill_ms";

    /// <summary>Response: one-token forwards per second after the prefill.</summary>
    public const string DecodeTokensPerSecond = "visionzip.decode_tokens_per_second";
}
