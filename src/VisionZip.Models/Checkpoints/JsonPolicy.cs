using System.Text;
using System.Text.Json;

namespace VisionZip.Models.Checkpoints;

/// <summary>
/// The one way every checkpoint JSON file is read (config.json, preprocessor_config.json, tokenizer files,
/// generation_config.json, ...): strict JSON as Python's <c>json.load</c> reads it, which is what transformers uses.
/// </summary>
/// <remarks>
/// Rejected everywhere, with an error naming the file, the line and column and what is wrong: trailing commas and
/// comments (Python's json rejects both), duplicate keys (Python would silently keep the last one; a duplicated
/// config key is almost always an editing mistake, so it is refused rather than guessed), invalid UTF-8, and a top
/// level that is not an object. Errors are <see cref="InvalidDataException"/>.
/// </remarks>
internal static class JsonPolicy
{
    /// <summary>Deepest nesting accepted (HF configs nest 3-4 levels; this only stops pathological input).</summary>
    public const int MaxDepth = 64;

    /// <summary>The reader options every checkpoint JSON file is parsed with.</summary>
    public static JsonDocumentOptions DocumentOptions { get; } = new()
    {
        AllowTrailingCommas = false,
        CommentHandling = JsonCommentHandling.Disallow,
        AllowDuplicateProperties = false,
        MaxDepth = MaxDepth,
    };

    /// <summary>Parses a file's bytes; returns the top-level object, detached from any document (no disposal needed).</summary>
    /// <param name="utf8">The file's bytes (a UTF-8 byte-order mark is skipped).</param>
    /// <param name="source">The file, for error messages.</param>
    /// <exception cref="InvalidDataException">Not valid UTF-8, not valid JSON, or not an object at the top level.</exception>
    public static JsonElement ParseObject(ReadOnlyMemory<byte> utf8, string source)
    {
        if (utf8.Span.StartsWith(Encoding.UTF8.Preamble))
        {
            utf8 = utf8[Encoding.UTF8.Preamble.Length..];
        }

        if (!System.Text.Unicode.Utf8.IsValid(utf8.Span))
        {
            // JsonDocument accepts invalid UTF-8 inside strings and only fails when a string is read.
            throw new InvalidDataException($"{source}: not valid UTF-8 text");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(utf8, DocumentOptions); // the root is cloned before the document goes
        }
        catch (JsonException error)
        {
            throw Syntax(source, error);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidDataException($"{source}: expected a JSON object at the top level, found {Describe(root.ValueKind)}");
            }

            return root.Clone();
        }
    }

    /// <summary>Parses JSON text (e.g. given in code rather than read from a file) under the same policy.</summary>
    /// <exception cref="InvalidDataException">Not valid JSON, or not an object at the top level.</exception>
    public static JsonElement ParseObject(string json, string source)
    {
        ArgumentNullException.ThrowIfNull(json);
        return ParseObject(Encoding.UTF8.GetBytes(json), source);
    }

    /// <summary>Reads and parses a file under the policy (one read).</summary>
    /// <exception cref="FileNotFoundException">No file at that path.</exception>
    /// <exception cref="InvalidDataException">As <see cref="ParseObject(ReadOnlyMemory{byte}, string)"/>.</exception>
    public static JsonElement ReadObject(string path, string what)
    {
        string fullPath = Path.GetFullPath(path);
        if (!File.Exists(fullPath))
        {
            throw new FileNotFoundException($"{what} not found: {fullPath}", fullPath);
        }

        return ParseObject(File.ReadAllBytes(fullPath), fullPath);
    }

    /// <summary>"a string", "an array", ... for messages.</summary>
    public static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };

    // System.Text.Json's messages end with " LineNumber: 2 | BytePositionInLine: 5." and some advise changing the
    // reader options; say instead what is wrong in the file's terms, with a 1-based line and column.
    private static InvalidDataException Syntax(string source, JsonException error)
    {
        string message = error.Message;
        int suffix = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        string reason = suffix >= 0 ? message[..suffix] : message;
        if (reason.Contains("trailing comma", StringComparison.OrdinalIgnoreCase))
        {
            reason = "a trailing comma before a closing bracket or brace (JSON, like Python's json module, does not allow one)";
        }
        else if (reason.Contains("comment", StringComparison.OrdinalIgnoreCase) || reason.StartsWith("'/' is", StringComparison.Ordinal))
        {
            reason = "a comment (JSON, like Python's json module, does not allow comments)";
        }
        else if (reason.StartsWith("Duplicate property '", StringComparison.Ordinal))
        {
            // "Duplicate property 'a' encountered during deserialization ..." -> the key, in the file's terms.
            int end = reason.IndexOf('\'', "Duplicate property '".Length);
            string key = end > 0 ? reason["Duplicate property '".Length..end] : "?";
            reason = $"the key '{key}' appears twice in one object (each key may appear once)";
        }

        string where = error.LineNumber is long line
            ? $" at line {line + 1}, column {(error.BytePositionInLine ?? 0) + 1}"
            : "";
        return new InvalidDataException($"{source}: not valid JSON{where}: {reason}", error);
    }
}
