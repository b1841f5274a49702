using System.Text.Json;
using System.Text.Json.Nodes;
using VisionZip.Models.Checkpoints;
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
    public static readonly IReadOnlyList<(int Height, int Width)> DefaultImageGridPinpoints = LlavaDefaults.ImageGridPinpoints;

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

        ImageTokenIndex = ReadLong(root, "image_token_index", source) ?? LlavaDefaults.ImageTokenIndex;
        ProjectorHiddenAct = ReadString(root, "projector_hidden_act", source) ?? LlavaDefaults.ProjectorHiddenAct;
        VisionFeatureSelectStrategy = ReadString(root, "vision_feature_select_strategy", source) ?? LlavaDefaults.VisionFeatureSelectStrategy;
        if (VisionFeatureSelectStrategy is not ("default" or "full"))
        {
            throw new InvalidDataException(
                $"{source}: vision_feature_select_strategy \"{VisionFeatureSelectStrategy}\" is not supported; expected \"default\" or \"full\"");
        }

        if (root["vision_feature_layer"] is JsonArray)
        {
            throw new NotSupportedException($"{source}: vision_feature_layer as a list of layers is not supported; expected one integer");
        }

        VisionFeatureLayer = (int)(ReadLong(root, "vision_feature_layer", source) ?? LlavaDefaults.VisionFeatureLayer);
        ImageSeqLength = (int)(ReadLong(root, "image_seq_length", source) ?? LlavaDefaults.ImageSeqLength);
        MultimodalProjectorBias = ReadBool(root, "multimodal_projector_bias", source) ?? LlavaDefaults.MultimodalProjectorBias;
        IgnoreIndex = ReadLong(root, "ignore_index", source) ?? LlavaDefaults.IgnoreIndex;
        PadTokenId = ReadLong(root, "pad_token_id", source);

        _text = Section(root, "text_config", LlavaDefaults.TextModelType, source) ?? new JsonObject { ["model_type"] = LlavaDefaults.TextModelType };
        _vision = Section(root, "vision_config", LlavaDefaults.VisionModelType, source) ?? DefaultVisionConfig();

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
        ArgumentNullException.ThrowIfNull(directoryOrFile);
        if (Directory.Exists(directoryOrFile))
        {
            using var directory = CheckpointDirectory.Open(directoryOrFile);
            return Load(directory);
        }

        string path = Path.GetFullPath(directoryOrFile);
        return FromJson(JsonPolicy.ReadObject(path, "LLaVA config"), path);
    }

    /// <summary>Reads the directory's <c>config.json</c> (parsed once per <see cref="CheckpointDirectory"/>).</summary>
    /// <exception cref="FileNotFoundException">No config.json there.</exception>
    /// <exception cref="InvalidDataException">The file is not valid JSON, not a LLaVA config, or a field has the wrong type.</exception>
    public static LlavaConfig Load(CheckpointDirectory directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        return FromJson(directory.RequireJson(FileName, "LLaVA config"), directory.FilePath(FileName));
    }

    /// <summary>Parses the text of a LLaVA <c>config.json</c>; <paramref name="source"/> names it in errors.</summary>
    /// <exception cref="InvalidDataException">Not valid JSON, not a LLaVA config, or a field has the wrong type.</exception>
    public static LlavaConfig Parse(string json, string source = "config.json") => FromJson(JsonPolicy.ParseObject(json, source), source);

    private static LlavaConfig FromJson(JsonElement root, string source) =>
        new(source, JsonObject.Create(root) ?? throw new InvalidDataException($"{source}: expected a JSON object at the top level"));

    // transformers LlavaConfig.__init__: CONFIG_MAPPING["clip_vision_model"](intermediate_size=4096, hidden_size=1024,
    // patch_size=14, image_size=336, num_hidden_layers=24, num_attention_heads=16, vocab_size=32000, projection_dim=768);
    // the geometry is LlavaDefaults.VisionTower; vocab_size / projection_dim are kept as transformers writes them (the tower ignores them).
    private static JsonObject DefaultVisionConfig()
    {
        var tower = LlavaDefaults.VisionTower;
        return new()
        {
            ["model_type"] = LlavaDefaults.VisionModelType,
            ["intermediate_size"] = tower.IntermediateSize,
            ["hidden_size"] = tower.HiddenSize,
            ["patch_size"] = tower.PatchSize,
            ["image_size"] = tower.ImageSize,
            ["num_hidden_layers"] = tower.NumHiddenLayers,
            ["num_attention_heads"] = tower.NumAttentionHeads,
            ["vocab_size"] = 32000,
            ["projection_dim"] = 768,
        };
    }

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
        var other => throw JsonFields.WrongType(source, name, "a string", other.ToJsonString()),
    };

    private static long? ReadLong(JsonObject obj, string name, string source) => obj[name] switch
    {
        null => null,
        JsonValue v when v.GetValueKind() == JsonValueKind.Number && v.TryGetValue(out long value) => value,
        var other => throw JsonFields.WrongType(source, name, "an integer", other.ToJsonString()),
    };

    private static bool? ReadBool(JsonObject obj, string name, string source) => obj[name] switch
    {
        null => null,
        JsonValue v when v.GetValueKind() is JsonValueKind.True or JsonValueKind.False => v.GetValue<bool>(),
        var other => throw JsonFields.WrongType(source, name, "true or false", other.ToJsonString()),
    };
}
