using System.Text.Json.Serialization;

namespace VisionZip.Cli.Pipelines;

/// <summary>What <c>generate --json</c> prints: one object with these snake_case fields.</summary>
internal sealed record GenerationOutcome
{
    /// <summary>The generated text (special tokens skipped); null for a decoder without tokenizer files.</summary>
    [JsonPropertyName("text")]
    public string? Text { get; init; }

    /// <summary>The generated token ids (an end-of-sequence id included when it stopped the run).</summary>
    [JsonPropertyName("token_ids")]
    public required IReadOnlyList<int> TokenIds { get; init; }

    /// <summary>The prompt ids, one placeholder id per image.</summary>
    [JsonPropertyName("prompt_token_ids")]
    public required IReadOnlyList<long> PromptTokenIds { get; init; }

    /// <summary>Visual tokens the images would take without VisionZip (all images).</summary>
    [JsonPropertyName("visual_tokens_before")]
    public required int VisualTokensBefore { get; init; }

    /// <summary>Visual tokens the images took in this run (all images).</summary>
    [JsonPropertyName("visual_tokens_after")]
    public required int VisualTokensAfter { get; init; }

    /// <summary>Positions the language model prefilled (text + visual tokens).</summary>
    [JsonPropertyName("prefill_tokens")]
    public required int PrefillTokens { get; init; }

    /// <summary>Language-model prefill time in milliseconds (prompt forward to the first token's logits).</summary>
    [JsonPropertyName("prefill_ms")]
    public required double PrefillMs { get; init; }

    /// <summary>Decode speed after the first token (0 when only one token was generated).</summary>
    [JsonPropertyName("decode_tokens_per_s")]
    public required double DecodeTokensPerSecond { get; init; }

    /// <summary>Bytes of keys and values the KV cache holds at the end.</summary>
    [JsonPropertyName("kv_cache_bytes")]
    public required long KvCacheBytes { get; init; }

    /// <summary>Why generation stopped: max_new_tokens, eos, stop_string or context_full.</summary>
    [JsonPropertyName("finish_reason")]
    public required string FinishReason { get; init; }

    /// <summary>Seed of the sampler (greedy runs ignore it).</summary>
    [JsonPropertyName("seed")]
    public required long Seed { get; init; }
}
