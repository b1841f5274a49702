using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.AI;
using VisionZip.Models.Generation;

namespace VisionZip.Extensions.AI;

/// <summary>
/// <see cref="ChatOptions"/> to generation options and visual-token reduction:
/// <list type="bullet">
/// <item><c>Temperature</c>: absent or 0 = the checkpoint's default (greedy for every fixture); above 0 samples at that temperature.</item>
/// <item><c>TopP</c>, <c>TopK</c> (or <c>AdditionalProperties["top_k"]</c>), <c>Seed</c>, <c>MaxOutputTokens</c>,
/// <c>StopSequences</c>: the fields of the same meaning.</item>
/// <item><c>FrequencyPenalty</c> / <c>PresencePenalty</c> (OpenAI range -2..2): these models have one
/// multiplicative <c>repetition_penalty</c>; the penalty of larger magnitude p maps to <c>repetition_penalty = 2^(p/2)</c>
/// (0 → 1 = off, 2 → 2, -2 → 0.5).</item>
/// <item><c>ResponseFormat</c>: text only; tools are refused (these models do not call tools).</item>
/// <item><c>AdditionalProperties["visionzip.budget"]</c> (<c>"54+10"</c>) and <c>["visionzip.reducer"]</c>
/// (<c>"visionzip"</c> / <c>"none"</c>) override the client's options for one request.</item>
/// </list>
/// </summary>
internal static class ChatOptionsMapper
{
    public static GenerationOptions Generation(ChatOptions? options, GenerationOptions defaults)
    {
        if (options is null)
        {
            return defaults;
        }

        if (options.Tools is { Count: > 0 } || options.ToolMode is RequiredChatToolMode)
        {
            throw new NotSupportedException("tools are not supported: LLaVA models do not call tools (ChatOptions.Tools must be empty)");
        }

        if (options.ResponseFormat is not (null or ChatResponseFormatText))
        {
            throw new NotSupportedException("ResponseFormat must be text: these models have no constrained (JSON) decoding");
        }

        var result = defaults;
        if (options.Temperature is { } temperature)
        {
            if (!float.IsFinite(temperature) || temperature < 0)
            {
                throw new ArgumentException($"ChatOptions.Temperature must be 0 or more, got {temperature}", nameof(options));
            }

            result = temperature == 0 ? result with { DoSample = false } : result with { DoSample = true, Temperature = temperature };
        }

        int? topK = options.TopK ?? ReadInt(options.AdditionalProperties, VisionZipPropertyNames.TopK);
        result = result with
        {
            TopP = options.TopP ?? result.TopP,
            TopK = topK ?? result.TopK,
            Seed = options.Seed ?? result.Seed,
            MaxNewTokens = options.MaxOutputTokens ?? result.MaxNewTokens,
            StopStrings = options.StopSequences is { Count: > 0 } stops ? [.. result.StopStrings, .. stops] : result.StopStrings,
            RepetitionPenalty = RepetitionPenalty(options.FrequencyPenalty, options.PresencePenalty) ?? result.RepetitionPenalty,
        };

        try
        {
            result.Validate();
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"ChatOptions: {e.Message}", nameof(options), e);
        }

        return result;
    }

    /// <summary><c>2^(p/2)</c> of the penalty with the larger magnitude; null when neither is given.</summary>
    public static float? RepetitionPenalty(float? frequencyPenalty, float? presencePenalty)
    {
        if (frequencyPenalty is null && presencePenalty is null)
        {
            return null;
        }

        float frequency = frequencyPenalty ?? 0;
        float presence = presencePenalty ?? 0;
        float penalty = Math.Abs(frequency) >= Math.Abs(presence) ? frequency : presence;
        if (!float.IsFinite(penalty) || penalty < -2 || penalty > 2)
        {
            throw new ArgumentException($"ChatOptions.FrequencyPenalty / PresencePenalty must be in [-2, 2], got {penalty}", "options");
        }

        return MathF.Pow(2, penalty / 2);
    }

    /// <summary>The reducer and budget for this request: null = vanilla (reducer 'none').</summary>
    public static (string Reducer, ZipBudget Budget)? Budget(ChatOptions? options, VisionZipChatClientOptions client)
    {
        string reducer = client.Reducer;
        ZipBudget budget = client.Budget;
        var properties = options?.AdditionalProperties;
        if (properties is not null && properties.TryGetValue(VisionZipPropertyNames.Reducer, out object? reducerValue) && reducerValue is not null)
        {
            reducer = AsString(reducerValue) ?? "";
            if (!ReducerNames.IsKnown(reducer))
            {
                throw new ArgumentException($"{VisionZipPropertyNames.Reducer} must be 'none' or a registered reducer ({string.Join(", ", VisualTokenReducers.Names)}), got '{reducer}'", nameof(options));
            }
        }

        if (properties is not null && properties.TryGetValue(VisionZipPropertyNames.Budget, out object? budgetValue) && budgetValue is not null)
        {
            budget = budgetValue is ZipBudget given ? given : ParseBudget(AsString(budgetValue));
        }

        return string.Equals(reducer, ReducerNames.None, StringComparison.OrdinalIgnoreCase) ? null : (reducer.ToLowerInvariant(), budget);
    }

    /// <summary>Parses <c>"dominant+contextual"</c>, e.g. <c>"54+10"</c>.</summary>
    /// <exception cref="ArgumentException">Not two non-negative integers with at least one dominant token.</exception>
    public static ZipBudget ParseBudget(string? text)
    {
        string[] parts = (text ?? "").Split('+', StringSplitOptions.TrimEntries);
        if (parts.Length == 2
            && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int dominant)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int contextual)
            && dominant >= 1)
        {
            return new ZipBudget(dominant, contextual);
        }

        throw new ArgumentException($"{VisionZipPropertyNames.Budget} must be 'dominant+contextual' like '54+10', got '{text}'", "options");
    }

    private static string? AsString(object value) => value switch
    {
        string text => text,
        JsonElement { ValueKind: JsonValueKind.String } element => element.GetString(),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture),
    };

    private static int? ReadInt(AdditionalPropertiesDictionary? properties, string key)
    {
        if (properties is null || !properties.TryGetValue(key, out object? value) || value is null)
        {
            return null;
        }

        return value switch
        {
            int number => number,
            long number => checked((int)number),
            JsonElement { ValueKind: JsonValueKind.Number } element => element.GetInt32(),
            _ => int.TryParse(AsString(value), NumberStyles.Integer, CultureInfo.InvariantCulture, out int parsed)
                ? parsed
                : throw new ArgumentException($"{key} must be an integer, got '{value}'", "options"),
        };
    }
}
