using System.Text.Json;
using VisionZip.Models.Checkpoints;

namespace VisionZip.Models.Vision;

/// <summary>What kind of checkpoint a config file describes.</summary>
internal enum VisionCheckpointKind
{
    /// <summary>A vision tower on its own (<c>CLIPVisionModel</c>, <c>SiglipVisionModel</c>).</summary>
    Standalone,

    /// <summary>A dual encoder (<c>CLIPModel</c>, <c>SiglipModel</c>); the text tower is ignored.</summary>
    DualEncoder,

    /// <summary>A llava-hf checkpoint (<c>llava</c>, <c>llava_next</c>, ...).</summary>
    Llava,

    /// <summary>An original LLaVA release (<c>mm_vision_tower</c>, <c>mm_projector</c>): the tower is not in it.</summary>
    OriginalLlava,
}

/// <summary>A config file resolved for the vision side.</summary>
/// <param name="Source">The config file.</param>
/// <param name="Kind">What the file describes.</param>
/// <param name="Vision">The vision config, defaults applied; null for an original LLaVA release.</param>
/// <param name="Selection">LLaVA feature layer and strategy; null when the file is not a LLaVA one.</param>
/// <param name="ProjectorAct">LLaVA <c>projector_hidden_act</c> (default <c>gelu</c>).</param>
/// <param name="ProjectorBias">LLaVA <c>multimodal_projector_bias</c> (default true).</param>
/// <param name="ProjectorInputSize">Projector input width (vision hidden size, <c>mm_hidden_size</c>); null = read from the weights.</param>
/// <param name="ProjectorOutputSize">Projector output width (text hidden size); null = read from the weights.</param>
internal sealed record VisionConfigFile(
    string Source,
    VisionCheckpointKind Kind,
    VisionConfig? Vision,
    VisionFeatureSelection? Selection,
    VisionActivation ProjectorAct,
    bool ProjectorBias,
    int? ProjectorInputSize = null,
    int? ProjectorOutputSize = null)
{
    /// <summary>The vision config, or an error saying why the file has none.</summary>
    public VisionConfig RequireVision() => Vision ?? throw new InvalidDataException(
        $"{Source}: an original LLaVA release does not hold its vision tower (see 'mm_vision_tower'); load the tower from its own directory");
}

/// <summary>
/// Reads <c>config.json</c> files the way transformers resolves them: <c>CLIPVisionConfig</c> /
/// <c>SiglipVisionConfig</c> defaults for absent fields, <c>LlavaConfig</c> defaults for the LLaVA fields.
/// </summary>
internal static class VisionConfigReader
{
    public const string ConfigFileName = "config.json";

    public static VisionConfigFile Read(string path)
    {
        string full = Path.GetFullPath(path);
        if (Directory.Exists(full))
        {
            using var directory = CheckpointDirectory.Open(full);
            return Read(directory);
        }

        if (!File.Exists(full))
        {
            throw new FileNotFoundException($"no {ConfigFileName} at {full}", full);
        }

        return Parse(JsonPolicy.ReadObject(full, ConfigFileName), full);
    }

    /// <summary>The directory's <c>config.json</c>, parsed once per <see cref="CheckpointDirectory"/>.</summary>
    public static VisionConfigFile Read(CheckpointDirectory directory)
    {
        string file = directory.FilePath(ConfigFileName);
        var root = directory.Json(ConfigFileName) ?? throw new FileNotFoundException($"no {ConfigFileName} at {directory.Path}", file);
        return Parse(root, file);
    }

    public static VisionConfigFile Parse(string json, string source) => Parse(JsonPolicy.ParseObject(json, source), source);

    public static VisionConfigFile Parse(JsonElement root, string source)
    {
        var reader = new JsonFields(source);
        string? modelType = reader.String(root, "model_type", null, "");
        switch (modelType)
        {
            case "clip_vision_model":
                return Plain(source, VisionCheckpointKind.Standalone, ReadVision(reader, root, "", VisionArchitecture.Clip));
            case "siglip_vision_model":
                return Plain(source, VisionCheckpointKind.Standalone, ReadVision(reader, root, "", VisionArchitecture.Siglip));
            case "clip":
                return Plain(source, VisionCheckpointKind.DualEncoder, ReadNested(reader, root, VisionArchitecture.Clip, whenAbsent: null));
            case "siglip":
                return Plain(source, VisionCheckpointKind.DualEncoder, ReadNested(reader, root, VisionArchitecture.Siglip, whenAbsent: null));
        }

        if (root.TryGetProperty("mm_vision_tower", out _) || root.TryGetProperty("mm_projector_type", out _))
        {
            return ReadOriginalLlava(reader, root, source);
        }

        if (modelType is not null && modelType.StartsWith("llava", StringComparison.Ordinal)
            || root.TryGetProperty("vision_feature_layer", out _))
        {
            // LlavaOnevisionConfig defaults to a 26-layer SigLIP so400m tower, layer -1, 'full'; the others to CLIP-L/336, -2, 'default'.
            bool onevision = modelType == "llava_onevision";
            var vision = ReadNested(reader, root, onevision ? VisionArchitecture.Siglip : VisionArchitecture.Clip,
                whenAbsent: onevision ? LlavaDefaults.OnevisionTower : LlavaDefaults.VisionTower);
            int layer = ReadFeatureLayer(reader, root, "vision_feature_layer",
                onevision ? LlavaDefaults.OnevisionFeatureLayer : LlavaDefaults.VisionFeatureLayer);
            var strategy = VisionFeatureSelection.ParseStrategy(reader.String(root, "vision_feature_select_strategy",
                onevision ? LlavaDefaults.OnevisionFeatureSelectStrategy : LlavaDefaults.VisionFeatureSelectStrategy, "")!, source);
            var act = VisionActivations.Parse(reader.String(root, "projector_hidden_act", LlavaDefaults.ProjectorHiddenAct, "")!,
                $"{source}: projector_hidden_act");
            bool bias = reader.Bool(root, "multimodal_projector_bias", LlavaDefaults.MultimodalProjectorBias, "");
            int? textHidden = root.TryGetProperty("text_config", out var text) && text.ValueKind == JsonValueKind.Object
                ? reader.OptionalInt(text, "hidden_size", "text_config.")
                : null;
            return new VisionConfigFile(source, VisionCheckpointKind.Llava, vision, new VisionFeatureSelection(layer, strategy),
                act, bias, vision.HiddenSize, textHidden);
        }

        if (root.TryGetProperty("vision_config", out _))
        {
            return Plain(source, VisionCheckpointKind.DualEncoder, ReadNested(reader, root, VisionArchitecture.Clip, whenAbsent: null));
        }

        throw new InvalidDataException(
            $"{source}: model_type '{modelType ?? "(absent)"}' describes no CLIP / SigLIP vision tower " +
            "(expected clip_vision_model, siglip_vision_model, clip, siglip, a llava config, or a 'vision_config' object)");
    }

    private static VisionConfigFile Plain(string source, VisionCheckpointKind kind, VisionConfig vision) =>
        new(source, kind, vision, null, VisionActivation.Gelu, true);

    // CLIPConfig / SiglipConfig / LlavaConfig: vision_config dict -> the vision config class named by its model_type
    // (fallback when it names none); an absent vision_config -> whenAbsent, else the fallback class's defaults.
    private static VisionConfig ReadNested(JsonFields reader, JsonElement root, VisionArchitecture fallback, VisionConfig? whenAbsent)
    {
        if (!root.TryGetProperty("vision_config", out var nested) || nested.ValueKind == JsonValueKind.Null)
        {
            return whenAbsent ?? (fallback == VisionArchitecture.Clip ? VisionConfig.ClipDefaults : VisionConfig.SiglipDefaults);
        }

        if (nested.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidDataException($"{reader.Source}: 'vision_config' is {nested.ValueKind}, expected an object");
        }

        var architecture = reader.String(nested, "model_type", null, "vision_config.") switch
        {
            null => fallback,
            "clip_vision_model" => VisionArchitecture.Clip,
            "siglip_vision_model" => VisionArchitecture.Siglip,
            var other => throw new InvalidDataException(
                $"{reader.Source}: vision_config.model_type '{other}' is not supported (expected clip_vision_model or siglip_vision_model)"),
        };
        return ReadVision(reader, nested, "vision_config.", architecture);
    }

    private static VisionConfig ReadVision(JsonFields reader, JsonElement element, string path, VisionArchitecture architecture)
    {
        var defaults = architecture == VisionArchitecture.Clip ? VisionConfig.ClipDefaults : VisionConfig.SiglipDefaults;
        var config = defaults with
        {
            HiddenSize = reader.Int(element, "hidden_size", defaults.HiddenSize, path),
            IntermediateSize = reader.Int(element, "intermediate_size", defaults.IntermediateSize, path),
            NumHiddenLayers = reader.Int(element, "num_hidden_layers", defaults.NumHiddenLayers, path),
            NumAttentionHeads = reader.Int(element, "num_attention_heads", defaults.NumAttentionHeads, path),
            NumChannels = reader.Int(element, "num_channels", defaults.NumChannels, path),
            ImageSize = reader.Int(element, "image_size", defaults.ImageSize, path),
            PatchSize = reader.Int(element, "patch_size", defaults.PatchSize, path),
            HiddenAct = VisionActivations.Parse(
                reader.String(element, "hidden_act", defaults.HiddenAct.ToConfigName(), path)!, $"{reader.Source}: {path}hidden_act"),
            LayerNormEps = reader.Double(element, "layer_norm_eps", defaults.LayerNormEps, path),
        };
        config.Validate(reader.Source);
        return config;
    }

    // Original LLaVA (liuhaotian/llava-v1.5-*): mm_vision_select_layer / mm_vision_select_feature ('patch' or 'cls_patch').
    private static VisionConfigFile ReadOriginalLlava(JsonFields reader, JsonElement root, string source)
    {
        int layer = ReadFeatureLayer(reader, root, "mm_vision_select_layer", -2);
        var strategy = reader.String(root, "mm_vision_select_feature", "patch", "") switch
        {
            "patch" => VisionFeatureSelectStrategy.Default,
            "cls_patch" => VisionFeatureSelectStrategy.Full,
            var other => throw new InvalidDataException($"{source}: mm_vision_select_feature '{other}' is not supported (expected 'patch' or 'cls_patch')"),
        };
        string projector = reader.String(root, "mm_projector_type", "linear", "")!;
        if (projector != "mlp2x_gelu")
        {
            throw new InvalidDataException($"{source}: mm_projector_type '{projector}' is not supported (expected 'mlp2x_gelu')");
        }

        return new VisionConfigFile(source, VisionCheckpointKind.OriginalLlava, null,
            new VisionFeatureSelection(layer, strategy), VisionActivation.Gelu, true,
            reader.OptionalInt(root, "mm_hidden_size", ""), reader.OptionalInt(root, "hidden_size", ""));
    }

    private static int ReadFeatureLayer(JsonFields reader, JsonElement root, string name, int fallback)
    {
        if (root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Array)
        {
            throw new InvalidDataException(
                $"{reader.Source}: {name} is a list {value.GetRawText()}; only a single layer index is supported");
        }

        return reader.Int(root, name, fallback, "");
    }

    /// <summary>Typed field access that names the file and field in every error.</summary>
    private sealed class JsonFields(string source)
    {
        public string Source { get; } = source;

        public int Int(JsonElement element, string name, int fallback, string path)
        {
            if (!Present(element, name, out var value))
            {
                return fallback;
            }

            if (value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out int result))
            {
                return result;
            }

            throw Wrong(path + name, value, "an integer");
        }

        public int? OptionalInt(JsonElement element, string name, string path) =>
            Present(element, name, out _) ? Int(element, name, 0, path) : null;

        public double Double(JsonElement element, string name, double fallback, string path)
        {
            if (!Present(element, name, out var value))
            {
                return fallback;
            }

            if (value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out double result))
            {
                return result;
            }

            throw Wrong(path + name, value, "a number");
        }

        public bool Bool(JsonElement element, string name, bool fallback, string path)
        {
            if (!Present(element, name, out var value))
            {
                return fallback;
            }

            return value.ValueKind switch
            {
                JsonValueKind.True => true,
                JsonValueKind.False => false,
                _ => throw Wrong(path + name, value, "true or false"),
            };
        }

        public string? String(JsonElement element, string name, string? fallback, string path)
        {
            if (!Present(element, name, out var value))
            {
                return fallback;
            }

            if (value.ValueKind == JsonValueKind.String)
            {
                return value.GetString();
            }

            throw Wrong(path + name, value, "a string");
        }

        // transformers treats an explicit null like an absent field for these configs.
        private static bool Present(JsonElement element, string name, out JsonElement value) =>
            element.TryGetProperty(name, out value) && value.ValueKind != JsonValueKind.Null;

        private InvalidDataException Wrong(string field, JsonElement value, string expected) =>
            Checkpoints.JsonFields.WrongType(Source, field, expected, value.GetRawText());
    }
}
