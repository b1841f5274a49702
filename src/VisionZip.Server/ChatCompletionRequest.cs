using System.Text.Json;
using Microsoft.Extensions.AI;
using VisionZip.Extensions.AI;

namespace VisionZip.Server;

/// <summary>
/// An OpenAI <c>POST /v1/chat/completions</c> body read into Microsoft.Extensions.AI messages and options. Text and
/// <c>image_url</c> parts with <c>data:</c> URLs; remote URLs, tools, non-text response formats and <c>n</c> other than 1
/// are refused with 400. Extensions: <c>top_k</c>, and <c>visionzip: {"budget": "54+10", "reducer": "none"}</c>.
/// </summary>
internal sealed record ChatCompletionRequest(string Model, List<ChatMessage> Messages, ChatOptions Options, bool Stream, bool IncludeUsage)
{
    public static ChatCompletionRequest Parse(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw OpenAiException.BadRequest($"the request body must be a JSON object, got {root.ValueKind}");
        }

        string model = String(root, "model") ?? throw OpenAiException.BadRequest("'model' is required", "model");
        if (!root.TryGetProperty("messages", out var messagesElement) || messagesElement.ValueKind != JsonValueKind.Array
            || messagesElement.GetArrayLength() == 0)
        {
            throw OpenAiException.BadRequest("'messages' must be a non-empty array", "messages");
        }

        var messages = new List<ChatMessage>();
        int index = 0;
        foreach (var message in messagesElement.EnumerateArray())
        {
            messages.Add(ParseMessage(message, $"messages[{index++}]"));
        }

        if (root.TryGetProperty("tools", out var tools) && tools.ValueKind == JsonValueKind.Array && tools.GetArrayLength() > 0)
        {
            throw OpenAiException.BadRequest("tools are not supported: LLaVA models do not call tools", "tools");
        }

        if (root.TryGetProperty("response_format", out var format) && format.ValueKind == JsonValueKind.Object
            && String(format, "type") is { } formatType && formatType != "text")
        {
            throw OpenAiException.BadRequest($"response_format '{formatType}' is not supported (text only)", "response_format");
        }

        if (Int(root, "n") is { } n && n != 1)
        {
            throw OpenAiException.BadRequest($"'n' must be 1, got {n}", "n");
        }

        var options = new ChatOptions
        {
            MaxOutputTokens = Int(root, "max_completion_tokens") ?? Int(root, "max_tokens"),
            Temperature = Float(root, "temperature"),
            TopP = Float(root, "top_p"),
            TopK = Int(root, "top_k"),
            Seed = Long(root, "seed"),
            FrequencyPenalty = Float(root, "frequency_penalty"),
            PresencePenalty = Float(root, "presence_penalty"),
            StopSequences = Stop(root),
        };
        if (root.TryGetProperty("visionzip", out var extension) && extension.ValueKind == JsonValueKind.Object)
        {
            options.AdditionalProperties = [];
            if (String(extension, "budget") is { } budget)
            {
                options.AdditionalProperties[VisionZipPropertyNames.Budget] = budget;
            }

            if (String(extension, "reducer") is { } reducer)
            {
                options.AdditionalProperties[VisionZipPropertyNames.Reducer] = reducer;
            }
        }

        bool stream = Bool(root, "stream") ?? false;
        bool includeUsage = root.TryGetProperty("stream_options", out var streamOptions) && streamOptions.ValueKind == JsonValueKind.Object
            && (Bool(streamOptions, "include_usage") ?? false);
        return new ChatCompletionRequest(model, messages, options, stream, includeUsage);
    }

    private static ChatMessage ParseMessage(JsonElement message, string where)
    {
        if (message.ValueKind != JsonValueKind.Object)
        {
            throw OpenAiException.BadRequest($"{where} must be an object", where);
        }

        string role = String(message, "role") ?? throw OpenAiException.BadRequest($"{where}.role is required", $"{where}.role");
        var chatRole = role switch
        {
            "system" or "developer" => ChatRole.System,
            "user" => ChatRole.User,
            "assistant" => ChatRole.Assistant,
            _ => throw OpenAiException.BadRequest($"{where}.role '{role}' is not supported (system, developer, user, assistant)", $"{where}.role"),
        };
        if (message.TryGetProperty("tool_calls", out var calls) && calls.ValueKind == JsonValueKind.Array && calls.GetArrayLength() > 0)
        {
            throw OpenAiException.BadRequest($"{where}: tool calls are not supported", $"{where}.tool_calls");
        }

        var contents = new List<AIContent>();
        if (message.TryGetProperty("content", out var content))
        {
            switch (content.ValueKind)
            {
                case JsonValueKind.String:
                    contents.Add(new TextContent(content.GetString()));
                    break;
                case JsonValueKind.Array:
                    int part = 0;
                    foreach (var item in content.EnumerateArray())
                    {
                        contents.Add(ParsePart(item, $"{where}.content[{part++}]"));
                    }

                    break;
                case JsonValueKind.Null:
                    break;
                default:
                    throw OpenAiException.BadRequest($"{where}.content must be a string or an array of parts", $"{where}.content");
            }
        }

        return new ChatMessage(chatRole, contents);
    }

    private static AIContent ParsePart(JsonElement part, string where)
    {
        string? type = part.ValueKind == JsonValueKind.Object ? String(part, "type") : null;
        switch (type)
        {
            case "text":
                return new TextContent(String(part, "text") ?? throw OpenAiException.BadRequest($"{where}.text is required", $"{where}.text"));
            case "image_url":
                string? url = part.TryGetProperty("image_url", out var image) switch
                {
                    true when image.ValueKind == JsonValueKind.Object => String(image, "url"),
                    true when image.ValueKind == JsonValueKind.String => image.GetString(),
                    _ => null,
                };
                if (url is null)
                {
                    throw OpenAiException.BadRequest($"{where}.image_url.url is required", $"{where}.image_url");
                }

                if (!url.StartsWith("data:", StringComparison.OrdinalIgnoreCase))
                {
                    throw OpenAiException.BadRequest(
                        $"{where}: remote image URLs are not fetched; send the image as a data: URL (data:image/png;base64,...)",
                        $"{where}.image_url", "invalid_image_url");
                }

                try
                {
                    var data = new DataContent(url);
                    if (!data.HasTopLevelMediaType("image"))
                    {
                        throw OpenAiException.BadRequest($"{where}: media type '{data.MediaType}' is not an image", $"{where}.image_url", "invalid_image");
                    }

                    return data;
                }
                catch (FormatException e)
                {
                    throw OpenAiException.BadRequest($"{where}: malformed data: URL ({e.Message})", $"{where}.image_url", "invalid_image_url");
                }
                catch (ArgumentException e)
                {
                    throw OpenAiException.BadRequest($"{where}: malformed data: URL ({e.Message})", $"{where}.image_url", "invalid_image_url");
                }

            default:
                throw OpenAiException.BadRequest($"{where}: part type '{type}' is not supported (text, image_url)", where);
        }
    }

    private static List<string>? Stop(JsonElement root)
    {
        if (!root.TryGetProperty("stop", out var stop) || stop.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return stop.ValueKind switch
        {
            JsonValueKind.String => [stop.GetString()!],
            JsonValueKind.Array when stop.EnumerateArray().All(s => s.ValueKind == JsonValueKind.String) =>
                [.. stop.EnumerateArray().Select(s => s.GetString()!)],
            _ => throw OpenAiException.BadRequest("'stop' must be a string or an array of strings", "stop"),
        };
    }

    private static JsonElement? Get(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

    private static string? String(JsonElement element, string name) => Get(element, name) switch
    {
        null => null,
        { ValueKind: JsonValueKind.String } value => value.GetString(),
        _ => throw OpenAiException.BadRequest($"'{name}' must be a string", name),
    };

    private static bool? Bool(JsonElement element, string name) => Get(element, name) switch
    {
        null => null,
        { ValueKind: JsonValueKind.True } => true,
        { ValueKind: JsonValueKind.False } => false,
        _ => throw OpenAiException.BadRequest($"'{name}' must be a boolean", name),
    };

    private static long? Long(JsonElement element, string name) => Get(element, name) switch
    {
        null => null,
        { ValueKind: JsonValueKind.Number } value when value.TryGetInt64(out long number) => number,
        _ => throw OpenAiException.BadRequest($"'{name}' must be an integer", name),
    };

    private static int? Int(JsonElement element, string name) => Get(element, name) switch
    {
        null => null,
        { ValueKind: JsonValueKind.Number } value when value.TryGetInt32(out int number) => number,
        _ => throw OpenAiException.BadRequest($"'{name}' must be an integer", name),
    };

    private static float? Float(JsonElement element, string name) => Get(element, name) switch
    {
        null => null,
        { ValueKind: JsonValueKind.Number } value => (float)value.GetDouble(),
        _ => throw OpenAiException.BadRequest($"'{name}' must be a number", name),
    };
}
