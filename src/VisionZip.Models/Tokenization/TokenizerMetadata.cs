using System.Text.Json;
using VisionZip.Models.Checkpoints;

namespace VisionZip.Models.Tokenization;

/// <summary>
/// What a checkpoint directory says about its tokenizer besides the model file: added tokens
/// (<c>tokenizer_config.json</c> <c>added_tokens_decoder</c>, <c>added_tokens.json</c>, <c>special_tokens_map.json</c>),
/// the BOS/EOS/PAD/UNK strings, <c>add_bos_token</c>/<c>add_eos_token</c>, <c>generation_config.json</c>'s
/// <c>eos_token_id</c> and <c>processor_config.json</c>'s <c>image_token</c>. Every file is optional.
/// </summary>
internal sealed class TokenizerMetadata
{
    public const string TokenizerConfigFile = "tokenizer_config.json";
    public const string AddedTokensFile = "added_tokens.json";
    public const string SpecialTokensMapFile = "special_tokens_map.json";
    public const string GenerationConfigFile = "generation_config.json";
    public const string ProcessorConfigFile = "processor_config.json";
    public const string DefaultImageToken = "<image>";

    private static readonly string[] SpecialTokenKeys = ["bos_token", "eos_token", "unk_token", "pad_token"];

    /// <summary>Added tokens by id (later files never override an id given by <c>added_tokens_decoder</c>).</summary>
    public Dictionary<int, AddedToken> AddedTokens { get; } = [];

    public bool? AddBosToken { get; private set; }

    public bool? AddEosToken { get; private set; }

    /// <summary>Whether <c>bos_token</c> is given explicitly as <c>null</c> (Qwen2).</summary>
    public bool BosTokenIsNull { get; private set; }

    public string? BosToken { get; private set; }

    public string? EosToken { get; private set; }

    public string? PadToken { get; private set; }

    public string? UnkToken { get; private set; }

    public string ImageToken { get; private set; } = DefaultImageToken;

    public List<int> GenerationEosIds { get; } = [];

    /// <summary>The raw <c>chat_template</c> of <c>tokenizer_config.json</c> (string form, or the "default" entry of the list form).</summary>
    public string? ChatTemplate { get; private set; }

    /// <summary>Reads the optional JSON files of <paramref name="directory"/>.</summary>
    /// <exception cref="InvalidDataException">A file is not valid JSON or has a field of the wrong type; the message names it.</exception>
    public static TokenizerMetadata Read(string directory)
    {
        using var checkpoint = CheckpointDirectory.Open(directory);
        return Read(checkpoint);
    }

    /// <summary>Reads the optional JSON files of an opened checkpoint directory (each parsed once per directory).</summary>
    /// <exception cref="InvalidDataException">A file is not valid JSON or has a field of the wrong type; the message names it.</exception>
    public static TokenizerMetadata Read(CheckpointDirectory directory)
    {
        var metadata = new TokenizerMetadata();
        var specialContents = new HashSet<string>(StringComparer.Ordinal);

        WithJson(directory, TokenizerConfigFile, (root, path) => metadata.ReadTokenizerConfig(root, path, specialContents));
        WithJson(directory, SpecialTokensMapFile, (root, path) => metadata.ReadSpecialTokensMap(root, path, specialContents));
        WithJson(directory, AddedTokensFile, (root, path) => metadata.ReadAddedTokensJson(root, path, specialContents));
        WithJson(directory, GenerationConfigFile, metadata.ReadGenerationConfig);
        WithJson(directory, ProcessorConfigFile, (root, path) =>
        {
            if (root.TryGetProperty("image_token", out var imageToken) && imageToken.ValueKind == JsonValueKind.String)
            {
                metadata.ImageToken = imageToken.GetString()!;
            }
        });
        return metadata;
    }

    /// <summary>Looks up an added token's id by its content.</summary>
    public int? AddedTokenId(string? content)
    {
        if (content is null)
        {
            return null;
        }

        foreach (var token in AddedTokens.Values)
        {
            if (token.Content == content)
            {
                return token.Id;
            }
        }

        return null;
    }

    /// <summary>Marks every added token whose content names a special token as special.</summary>
    private void MarkSpecial(HashSet<string> specialContents)
    {
        foreach (var (id, token) in AddedTokens.ToList())
        {
            if (!token.Special && specialContents.Contains(token.Content))
            {
                AddedTokens[id] = token with { Special = true };
            }
        }
    }

    private void ReadTokenizerConfig(JsonElement root, string path, HashSet<string> specialContents)
    {
        AddBosToken = OptionalBool(root, "add_bos_token", path);
        AddEosToken = OptionalBool(root, "add_eos_token", path);
        BosTokenIsNull = root.TryGetProperty("bos_token", out var bos) && bos.ValueKind == JsonValueKind.Null;
        BosToken = TokenString(root, "bos_token", path);
        EosToken = TokenString(root, "eos_token", path);
        PadToken = TokenString(root, "pad_token", path);
        UnkToken = TokenString(root, "unk_token", path);
        foreach (string? special in new[] { BosToken, EosToken, PadToken, UnkToken })
        {
            if (special is not null)
            {
                specialContents.Add(special);
            }
        }

        AddAdditionalSpecialTokens(root, path, specialContents);
        ChatTemplate = ReadChatTemplate(root, path);

        if (root.TryGetProperty("added_tokens_decoder", out var decoder))
        {
            if (decoder.ValueKind != JsonValueKind.Object)
            {
                throw Invalid(path, "added_tokens_decoder", $"expected an object, found {decoder.ValueKind}");
            }

            foreach (var entry in decoder.EnumerateObject())
            {
                if (!int.TryParse(entry.Name, out int id) || id < 0)
                {
                    throw Invalid(path, "added_tokens_decoder", $"key '{entry.Name}' is not a token id");
                }

                var value = entry.Value;
                string content = value.ValueKind == JsonValueKind.Object && value.TryGetProperty("content", out var c)
                    && c.ValueKind == JsonValueKind.String
                    ? c.GetString()!
                    : throw Invalid(path, $"added_tokens_decoder.{entry.Name}", "expected an object with a string 'content'");
                AddedTokens[id] = new AddedToken(content, id,
                    Special: OptionalBool(value, "special", path) ?? false,
                    LeftStrip: OptionalBool(value, "lstrip", path) ?? false,
                    RightStrip: OptionalBool(value, "rstrip", path) ?? false);
            }
        }
    }

    private void ReadSpecialTokensMap(JsonElement root, string path, HashSet<string> specialContents)
    {
        foreach (string key in SpecialTokenKeys)
        {
            string? content = TokenString(root, key, path);
            if (content is null)
            {
                continue;
            }

            specialContents.Add(content);
            switch (key)
            {
                case "bos_token": BosToken ??= content; break;
                case "eos_token": EosToken ??= content; break;
                case "pad_token": PadToken ??= content; break;
                default: UnkToken ??= content; break;
            }
        }

        AddAdditionalSpecialTokens(root, path, specialContents);
        MarkSpecial(specialContents);
    }

    private void ReadAddedTokensJson(JsonElement root, string path, HashSet<string> specialContents)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw Invalid(path, null, $"expected an object of token -> id, found {root.ValueKind}");
        }

        foreach (var entry in root.EnumerateObject())
        {
            if (entry.Value.ValueKind != JsonValueKind.Number || !entry.Value.TryGetInt32(out int id) || id < 0)
            {
                throw Invalid(path, entry.Name, $"expected a non-negative integer id, found {entry.Value.GetRawText()}");
            }

            if (!AddedTokens.ContainsKey(id))
            {
                AddedTokens[id] = new AddedToken(entry.Name, id, Special: specialContents.Contains(entry.Name));
            }
        }

        MarkSpecial(specialContents);
    }

    private void ReadGenerationConfig(JsonElement root, string path)
    {
        if (root.TryGetProperty("eos_token_id", out var eos))
        {
            switch (eos.ValueKind)
            {
                case JsonValueKind.Number:
                    GenerationEosIds.Add(TokenId(eos, path, "eos_token_id"));
                    break;
                case JsonValueKind.Array:
                    foreach (var item in eos.EnumerateArray())
                    {
                        GenerationEosIds.Add(TokenId(item, path, "eos_token_id"));
                    }

                    break;
                case JsonValueKind.Null:
                    break;
                default:
                    throw Invalid(path, "eos_token_id", $"expected an id or a list of ids, found {eos.ValueKind}");
            }
        }
    }

    private static void AddAdditionalSpecialTokens(JsonElement root, string path, HashSet<string> specialContents)
    {
        if (!root.TryGetProperty("additional_special_tokens", out var additional) || additional.ValueKind == JsonValueKind.Null)
        {
            return;
        }

        if (additional.ValueKind != JsonValueKind.Array)
        {
            throw Invalid(path, "additional_special_tokens", $"expected a list, found {additional.ValueKind}");
        }

        foreach (var item in additional.EnumerateArray())
        {
            string? content = TokenContent(item, path, "additional_special_tokens");
            if (content is not null)
            {
                specialContents.Add(content);
            }
        }
    }

    private static string? ReadChatTemplate(JsonElement root, string path)
    {
        if (!root.TryGetProperty("chat_template", out var template))
        {
            return null;
        }

        switch (template.ValueKind)
        {
            case JsonValueKind.String:
                return template.GetString();
            case JsonValueKind.Array:
                string? first = null;
                foreach (var item in template.EnumerateArray())
                {
                    if (item.ValueKind == JsonValueKind.Object
                        && item.TryGetProperty("template", out var text) && text.ValueKind == JsonValueKind.String)
                    {
                        first ??= text.GetString();
                        if (item.TryGetProperty("name", out var name) && name.ValueKind == JsonValueKind.String
                            && name.GetString() == "default")
                        {
                            return text.GetString();
                        }
                    }
                }

                return first;
            case JsonValueKind.Null:
                return null;
            default:
                throw Invalid(path, "chat_template", $"expected a string or a list of named templates, found {template.ValueKind}");
        }
    }

    private static string? TokenString(JsonElement root, string key, string path) =>
        root.TryGetProperty(key, out var value) ? TokenContent(value, path, key) : null;

    // A special token is written as a string, null, or an AddedToken object {"content": ...}.
    private static string? TokenContent(JsonElement value, string path, string key) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString(),
        JsonValueKind.Null => null,
        JsonValueKind.Object when value.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.String
            => content.GetString(),
        _ => throw Invalid(path, key, $"expected a token string or an object with 'content', found {value.ValueKind}"),
    };

    private static bool? OptionalBool(JsonElement root, string key, string path)
    {
        if (!root.TryGetProperty(key, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw Invalid(path, key, $"expected true or false, found {value.ValueKind}"),
        };
    }

    private static int TokenId(JsonElement value, string path, string key) =>
        value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out int id) && id >= 0
            ? id
            : throw Invalid(path, key, $"expected a non-negative integer id, found {value.GetRawText()}");

    /// <summary>Hands <paramref name="fileName"/>'s top-level object to <paramref name="read"/> when the file exists.</summary>
    /// <exception cref="InvalidDataException">The file breaks the JSON policy (<see cref="JsonPolicy"/>); the message names it.</exception>
    internal static void WithJson(CheckpointDirectory directory, string fileName, Action<JsonElement, string> read)
    {
        if (directory.Json(fileName) is { } root)
        {
            read(root, directory.FilePath(fileName));
        }
    }

    internal static InvalidDataException Invalid(string path, string? field, string message) =>
        new(field is null ? $"{path}: {message}" : $"{path}: field '{field}': {message}");
}
