using System.Text.Json;

namespace VisionZip.Models.Checkpoints;

/// <summary>
/// Typed reads of optional config fields, part of the one JSON policy (<see cref="JsonPolicy"/>): a wrong type is an
/// error naming the source and the field with the expected and the actual value (<see cref="WrongType"/>, the wording
/// every config reader uses).
/// </summary>
internal sealed class JsonFields(JsonElement element, string source)
{
    public JsonElement Element { get; } = element;

    public string Source { get; } = source;

    /// <summary>True when the field is present (null included).</summary>
    public bool Has(string name) => Element.TryGetProperty(name, out _);

    /// <summary>True when the field is present and explicitly null.</summary>
    public bool IsNull(string name) => Element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Null;

    public JsonElement? Get(string name) =>
        Element.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

    public int? Int(string name)
    {
        if (Get(name) is not { } value)
        {
            return null;
        }

        if (value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out double number) &&
            number == Math.Floor(number) && number is >= int.MinValue and <= int.MaxValue)
        {
            return (int)number;
        }

        if (value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out double whole) && whole == Math.Floor(whole))
        {
            // An integer, just not one that fits: say so rather than "must be an integer".
            throw Invalid($"'{name}' is {value.GetRawText()}, out of range (at most {int.MaxValue})");
        }

        throw Wrong(name, "an integer", value);
    }

    public double? Double(string name)
    {
        if (Get(name) is not { } value)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.Number ? value.GetDouble() : throw Wrong(name, "a number", value);
    }

    public bool? Bool(string name)
    {
        if (Get(name) is not { } value)
        {
            return null;
        }

        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw Wrong(name, "true or false", value),
        };
    }

    public string? String(string name)
    {
        if (Get(name) is not { } value)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.String ? value.GetString() : throw Wrong(name, "a string", value);
    }

    /// <summary>An integer or a list of integers (e.g. <c>eos_token_id</c>); null when absent.</summary>
    public IReadOnlyList<int>? IntOrList(string name)
    {
        if (Get(name) is not { } value)
        {
            return null;
        }

        if (value.ValueKind == JsonValueKind.Array)
        {
            var list = new List<int>();
            foreach (var item in value.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt32(out int id))
                {
                    throw Wrong(name, "an integer or a list of integers", value);
                }

                list.Add(id);
            }

            return list;
        }

        return value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out int single)
            ? [single]
            : throw Wrong(name, "an integer or a list of integers", value);
    }

    public JsonFields? Object(string name)
    {
        if (Get(name) is not { } value)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.Object
            ? new JsonFields(value, $"{Source} -> {name}")
            : throw Wrong(name, "an object", value);
    }

    public InvalidDataException Wrong(string name, string expected, JsonElement actual) => WrongType(Source, name, expected, actual.GetRawText());

    /// <summary>The one wording of a field of the wrong type: <c>{source}: '{field}' must be {expected}, got {actual}</c>.</summary>
    public static InvalidDataException WrongType(string source, string field, string expected, string actual) =>
        new($"{source}: '{field}' must be {expected}, got {actual}");

    public InvalidDataException Invalid(string message) => new($"{Source}: {message}");
}
