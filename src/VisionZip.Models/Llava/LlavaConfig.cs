using System.Text.Json;
using System.Text.Json.Nodes;
using VisionZip.Models.Language;
using VisionZip.Models.Vision;

namespace VisionZip.Models.Llava;

/// <summary>
/// The top level of a llava-hf <c>config.json</c> (transformers <c>LlavaConfig</c>, and <c>LlavaNextConfig</c> for
/// reading): LLaVA fields with the transformers defaults applied, plus the nested <c>text_config</c> and
/// <c>vision_config</c> objects as sparse JSON with their <c>model_type</c> filled in.
/// </summary>
/// <remarks>
/// The nested sections stay JSON on purpose: the decoder and vision configs apply their own class defaults
/// (LlamaConfig, Qwen2Config, CLIPVisionConfig, ...). What LlavaConfig itself defaults is what transformers'
/// LlavaConfig defaults: a missing <c>text_config</c> is an all-default llama, a missing <c>vision_config</c> the
/// CLIP ViT-L/14-336 geometry, and a nested section without <c>model_type</c> is llama resp. clip_vision_model.
/// Immutable and thread-safe.
/// </remarks>
public sealed class LlavaConfig
{
    /// <summary>The file name Hugging Face uses for the model configuration.</summary>
    public const string FileName = "config.json";

    /// <summary>transformers' default for <c>image_grid_pinpoints</c> of LLaVA-NeXT, (height, width) pairs.</summary>
    public static readonly IReadOnlyList<(int Height, int Width)> DefaultImageGridPinpoints =
        [(336, 672), (672, 336), (672, 672), (1008, 336), (336, 1008)];

    private readonly JsonObject _text;
    private readonly JsonObject _vision;

    private LlavaConfig(string source, JsonObject root)
    {
        Source = source;
        ModelType = ReadString(root, "model_type", source) ?? throw new InvalidDataException(
            $"{source}: 'model_type' is missing; expected \"llava\" or \"llava_next\"");
        if (ModelType is not ("llava" or "llava_next"))
        {
            throw new InvalidDataException($"{source}: model_type \"{ModelType}\" is not a LLaVA config; expected \"llava\" or \"llava_next\"");
        }

        ImageTokenIndex = ReadLong(root, "image_token_index", source) ?? 32000;
        ProjectorHiddenAct = ReadString(root, "projector_hidden_act", source) ?? "gelu";
        VisionFeatureSelectStrategy = ReadString(root, "vision_feature_select_strategy", source) ?? "default";
        if (VisionFeatureSelectStrategy is not ("default" or "full"))
        {
            throw new InvalidDataException(
                $"{source}: vision_feature_select_strategy \"{VisionFeatureSelectStrategy}\" is not supported; expected \"default\" or \"full\"");
        }

        if (root["vision_feature_layer"] is JsonArray)
        {
            throw new NotSupportedException($"{source}: vision_feature_layer as a list of layers is not supported; expected one integer");
        }

        VisionFeatureLayer = (int)(ReadLong(root, "vision_feature_layer", source) ?? -2);
        ImageSeqLength = (int)(ReadLong(root, "image_seq_length", source) ?? 576);
        MultimodalProjectorBias = ReadBool(root, "multimodal_projector_bias", source) ?? true;
        IgnoreIndex = ReadLong(root, "ignore_index", source) ?? -100;
        PadTokenId = ReadLong(root, "pad_token_id", source);

        _text = Section(root, "text_config", "llama", source) ?? new JsonObject { ["model_type"] = "llama" };
        _vision = Section(root, "vision_config", "clip_vision_model", source) ?? DefaultVisionConfig();

        // The head is tied when the text config says so; an older top-level value counts when the text config is
        // silent (transformers copies text_config.tie_word_embeddings up); the llama/mistral/qwen2 default is false.
        TieWordEmbeddings = ReadBool(_text, "tie_word_embeddings", source + " text_config")
            ?? ReadBool(root, "tie_word_embeddings", source)
            ?? false;
        _text["tie_word_embeddings"] = TieWordEmbeddings;

        if (ModelType == "llava_next")
        {
            ImageGridPinpoints = ReadPinpoints(root, source) ?? DefaultImageGridPinpoints;
        }
    }

    /// <summary>The file (or a description of the text) the configuration was read from, for error messages.</summary>
    public string Source { get; }

    /// <summary><c>model_type</c>: "llava" or "llava_next".</summary>
    public string ModelType { get; }

    /// <summary><c>image_token_index</c>: the id of the <c>&lt;image&gt;</c> placeholder (default 32000).</summary>
    public long ImageTokenIndex { get; }

    /// <summary><c>projector_hidden_act</c> of the multi-modal projector (default "gelu", exact erf).</summary>
    public string ProjectorHiddenAct { get; }

    /// <summary><c>vision_feature_select_strategy</c>: "default" drops the CLS token, "full" keeps every token.</summary>
    public string VisionFeatureSelectStrategy { get; }

    /// <summary>True for the "default" strategy: the first (CLS) token of the feature layer is dropped.</summary>
    public bool DropsClsToken => VisionFeatureSelectStrategy == "default";

    /// <summary><c>vision_feature_layer</c>: index into the vision tower's hidden states (default -2).</summary>
    public int VisionFeatureLayer { get; }

    /// <summary><c>image_seq_length</c> (default 576); informational, the real count comes from the tower.</summary>
    public int ImageSeqLength { get; }

    /// <summary><c>multimodal_projector_bias</c> (default true).</summary>
    public bool MultimodalProjectorBias { get; }

    /// <summary><c>ignore_index</c> (default -100).</summary>
    public long IgnoreIndex { get; }

    /// <summary><c>pad_token_id</c>, when the file names one.</summary>
    public long? PadTokenId { get; }

    /// <summary>Whether the LM head shares the token embedding matrix (no <c>lm_head</c> tensor is needed).</summary>
    public bool TieWordEmbeddings { get; }

    /// <summary>LLaVA-NeXT <c>image_grid_pinpoints</c> as (height, width); null for plain LLaVA.</summary>
    public IReadOnlyList<(int Height, int Width)>? ImageGridPinpoints { get; }

    /// <summary><c>text_config.model_type</c>: "llama" (default), "mistral", "qwen2", ...</summary>
    public string TextModelType => (string)_text["model_type"]!;

    /// <summary><c>vision_config.model_type</c>: "clip_vision_model" (default) or "siglip_vision_model".</summary>
    public string VisionModelType => (string)_vision["model_type"]!;

    /// <summary>
    /// A copy of the sparse <c>text_config</c> with <c>model_type</c> and the resolved <c>tie_word_embeddings</c>
    /// filled in; the decoder config applies its class defaults to it.
    /// </summary>
    public JsonObject TextConfigJson() => (JsonObject)_text.DeepClone();

    /// <summary>
    /// A copy of the sparse <c>vision_config</c> with <c>model_type</c> filled in (or LlavaConfig's CLIP ViT-L/14-336
    /// default when the file has none); the vision config applies its class defaults to it.
    /// </summary>
    public JsonObject VisionConfigJson() => (JsonObject)_vision.DeepClone();

    /// <summary>
    /// The language model's configuration: <see cref="TextConfigJson"/> with the defaults of its transformers config
    /// class applied (LlamaConfig, MistralConfig, Qwen2Config).
    /// </summary>
    /// <exception cref="InvalidDataException">A text_config field is malformed; the message names it.</exception>
    /// <exception cref="NotSupportedException">A text model type the decoder does not implement.</exception>
    public DecoderConfig ResolveTextConfig() =>
        DecoderConfig.FromJson(JsonSerializer.SerializeToElement(_text), $"{Source} -> text_config");

    /// <summary>
    /// The vision tower's configuration: <see cref="VisionConfigJson"/> with the defaults of CLIPVisionConfig or
    /// SiglipVisionConfig applied.
    /// </summary>
    /// <exception cref="InvalidDataException">A vision_config field is malformed or the model type is not CLIP/SigLIP.</exception>
    public VisionConfig ResolveVisionConfig() => VisionConfig.Parse(_vision.ToJsonString(), $"{Source} -> vision_config");

    /// <summary>Reads <c>config.json</c> from a model directory (or the file itself).</summary>
    /// <exception cref="FileNotFoundException">No config.json there.</exception>
    /// <exception cref="InvalidDataException">The file is not valid JSON, not a LLaVA config, or a field has the wrong type.</exception>
    public static LlavaConfig Load(string directoryOrFile)
    {
        string path = Directory.Exists(directoryOrFile) ? Path.Combine(directoryOrFile, FileName) : directoryOrFile;
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"LLaVA config not found: {Path.GetFullPath(path)}", path);
        }

        return Parse(File.ReadAllText(path), Path.GetFullPath(path));
    }

    /// <summary>Parses the text of a LLaVA <c>config.json</c>; <paramref name="source"/> names it in errors.</summary>
    /// <exception cref="InvalidDataException">Not valid JSON, not a LLaVA config, or a field has the wrong type.</exception>
    public static LlavaConfig Parse(string json, string source = "config.json")
    {
        JsonNode? node;
        try
        {
            // A duplicate key is refused here; JsonObject would otherwise throw ArgumentException on first access.
            node = JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { AllowTrailingCommas = true, AllowDuplicateProperties = false });
        }
        catch (JsonException error)
        {
            throw new InvalidDataException($"{source}: not valid JSON ({error.Message})", error);
        }

        if (node is not JsonObject root)
        {
            throw new InvalidDataException($"{source}: expected a JSON object at the top level");
        }

        return new LlavaConfig(source, root);
    }

    // transformers LlavaConfig.__init__: CONFIG_MAPPING["clip_vision_model"](intermediate_size=4096, hidden_size=1024,
    // patch_size=14, image_size=336, num_hidden_layers=24, num_attention_heads=16, vocab_size=32000, projection_dim=768)
    private static JsonObject DefaultVisionConfig() => new()
    {
        ["model_type"] = "clip_vision_model",
        ["intermediate_size"] = 4096,
        ["hidden_size"] = 1024,
        ["patch_size"] = 14,
        ["image_size"] = 336,
        ["num_hidden_layers"] = 24,
        ["num_attention_heads"] = 16,
        ["vocab_size"] = 32000,
        ["projection_dim"] = 768,
    };

    private static JsonObject? Section(JsonObject root, string name, string defaultModelType, string source)
    {
        switch (root[name])
        {
            case null:
                return null;
            case JsonObject section:
                var copy = (JsonObject)section.DeepClone();
                if (ReadString(copy, "model_type", $"{source} {name}") is null)
                {
                    copy["model_type"] = defaultModelType;
                }

                return copy;
            default:
                throw new InvalidDataException($"{source}: '{name}' must be an object, got {root[name]!.GetValueKind()}");
        }
    }

    private static IReadOnlyList<(int Height, int Width)>? ReadPinpoints(JsonObject root, string source)
    {
        if (root["image_grid_pinpoints"] is null)
        {
            return null;
        }

        if (root["image_grid_pinpoints"] is not JsonArray list)
        {
            throw new InvalidDataException($"{source}: 'image_grid_pinpoints' must be a list of [height, width] pairs");
        }

        var pinpoints = new List<(int, int)>(list.Count);
        foreach (var entry in list)
        {
            if (entry is not JsonArray { Count: 2 } pair || !TryInt(pair[0], out int height) || !TryInt(pair[1], out int width))
            {
                throw new InvalidDataException(
                    $"{source}: every 'image_grid_pinpoints' entry must be [height, width], got {entry?.ToJsonString() ?? "null"}");
            }

            pinpoints.Add((height, width));
        }

        return pinpoints;
    }

    private static bool TryInt(JsonNode? node, out int value)
    {
        value = 0;
        return node is JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.TryGetValue(out value);
    }

    private static string? ReadString(JsonObject obj, string name, string source) => obj[name] switch
    {
        null => null,
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        var other => throw new InvalidDataException($"{source}: '{name}' must be a string, got {other.ToJsonString()}"),
    };

    private static long? ReadLong(JsonObject obj, string name, string source) => obj[name] switch
    {
        null => null,
        JsonValue v when v.GetValueKind() == JsonValueKind.Number && v.TryGetValue(out long value) => value,
        var other => throw new InvalidDataException($"{source}: '{name}' must be an integer, got {other.ToJsonString()}"),
    };

    private static bool? ReadBool(JsonObject obj, string name, string source) => obj[name] switch
    {
        null => null,
        JsonValue v when v.GetValueKind() is JsonValueKind.True or JsonValueKind.False => v.GetValue<bool>(),
        var other => throw new InvalidDataException($"{source}: '{name}' must be true or false, got {other.ToJsonString()}"),
    };
}
