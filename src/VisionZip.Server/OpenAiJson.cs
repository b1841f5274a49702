using System.Text.Json;
using Microsoft.Extensions.AI;
using VisionZip.Extensions.AI;

namespace VisionZip.Server;

/// <summary>OpenAI-shaped JSON bodies: chat completion, chunk, model list, error.</summary>
internal static class OpenAiJson
{
    public static byte[] Error(int status, string message, string type, string? code, string? param) => Write(w =>
    {
        w.WriteStartObject();
        w.WriteStartObject("error");
        w.WriteString("message", message);
        w.WriteString("type", type);
        WriteNullable(w, "param", param);
        WriteNullable(w, "code", code ?? (status == 404 ? "not_found" : null));
        w.WriteEndObject();
        w.WriteEndObject();
    });

    public static byte[] Models(string modelId, long created) => Write(w =>
    {
        w.WriteStartObject();
        w.WriteString("object", "list");
        w.WriteStartArray("data");
        WriteModel(w, modelId, created);
        w.WriteEndArray();
        w.WriteEndObject();
    });

    /// <summary>One model object, as <c>GET /v1/models/{id}</c> returns it.</summary>
    public static byte[] Model(string modelId, long created) => Write(w => WriteModel(w, modelId, created));

    private static void WriteModel(Utf8JsonWriter w, string modelId, long created)
    {
        w.WriteStartObject();
        w.WriteString("id", modelId);
        w.WriteString("object", "model");
        w.WriteNumber("created", created);
        w.WriteString("owned_by", "visionzip");
        w.WriteEndObject();
    }

    public static byte[] Completion(string id, long created, string model, string text, ChatFinishReason? finish, UsageDetails? usage) => Write(w =>
    {
        w.WriteStartObject();
        w.WriteString("id", id);
        w.WriteString("object", "chat.completion");
        w.WriteNumber("created", created);
        w.WriteString("model", model);
        w.WriteStartArray("choices");
        w.WriteStartObject();
        w.WriteNumber("index", 0);
        w.WriteStartObject("message");
        w.WriteString("role", "assistant");
        w.WriteString("content", text);
        w.WriteEndObject();
        w.WriteNull("logprobs");
        w.WriteString("finish_reason", FinishReason(finish));
        w.WriteEndObject();
        w.WriteEndArray();
        WriteUsage(w, usage);
        w.WriteEndObject();
    });

    /// <summary>A streaming chunk: a delta (role on the first), a finish reason on the last, or only usage (no choices).</summary>
    public static byte[] Chunk(string id, long created, string model, string? text, bool first, ChatFinishReason? finish, UsageDetails? usageOnly) =>
        Write(w =>
        {
            w.WriteStartObject();
            w.WriteString("id", id);
            w.WriteString("object", "chat.completion.chunk");
            w.WriteNumber("created", created);
            w.WriteString("model", model);
            w.WriteStartArray("choices");
            if (usageOnly is null)
            {
                w.WriteStartObject();
                w.WriteNumber("index", 0);
                w.WriteStartObject("delta");
                if (first)
                {
                    w.WriteString("role", "assistant");
                }

                if (text is not null)
                {
                    w.WriteString("content", text);
                }

                w.WriteEndObject();
                w.WriteNull("logprobs");
                WriteNullable(w, "finish_reason", finish is null ? null : FinishReason(finish));
                w.WriteEndObject();
            }

            w.WriteEndArray();
            if (usageOnly is not null)
            {
                WriteUsage(w, usageOnly);
            }

            w.WriteEndObject();
        });

    /// <summary>OpenAI knows stop and length; a full context is reported as length.</summary>
    public static string FinishReason(ChatFinishReason? finish) =>
        finish == ChatFinishReason.Stop ? "stop" : finish is null ? "stop" : "length";

    private static void WriteUsage(Utf8JsonWriter w, UsageDetails? usage)
    {
        if (usage is null)
        {
            return;
        }

        w.WriteStartObject("usage");
        w.WriteNumber("prompt_tokens", usage.InputTokenCount ?? 0);
        w.WriteNumber("completion_tokens", usage.OutputTokenCount ?? 0);
        w.WriteNumber("total_tokens", usage.TotalTokenCount ?? 0);
        w.WriteStartObject("prompt_tokens_details");
        w.WriteNumber("cached_tokens", usage.CachedInputTokenCount ?? 0);
        w.WriteEndObject();
        var counts = usage.AdditionalCounts;
        w.WriteNumber("visual_tokens_before", counts?.GetValueOrDefault(VisionZipPropertyNames.VisualTokensBefore) ?? 0);
        w.WriteNumber("visual_tokens_after", counts?.GetValueOrDefault(VisionZipPropertyNames.VisualTokensAfter) ?? 0);
        w.WriteEndObject();
    }

    private static void WriteNullable(Utf8JsonWriter w, string name, string? value)
    {
        if (value is null)
        {
            w.WriteNull(name);
        }
        else
        {
            w.WriteString(name, value);
        }
    }

    private static byte[] Write(Action<Utf8JsonWriter> body)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            body(writer);
        }

        return buffer.ToArray();
    }
}
