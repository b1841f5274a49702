using VisionZip.Models.Checkpoints;

namespace VisionZip.Models.Language;

/// <summary>
/// Builds a <see cref="DecoderConfig"/> from sparse JSON, applying the defaults of the transformers config class
/// of the <c>model_type</c> (LlamaConfig, MistralConfig, Qwen2Config) to every absent field.
/// </summary>
internal static class DecoderConfigReader
{
    private sealed record FamilyDefaults(
        int VocabSize, int HiddenSize, int IntermediateSize, int Layers, int Heads, int? KeyValueHeads,
        int MaxPositions, int? BosTokenId, int? EosTokenId, int? SlidingWindow, int MaxWindowLayers);

    // transformers LlamaConfig.__init__ / MistralConfig.__init__ / Qwen2Config.__init__ keyword defaults.
    private static readonly FamilyDefaults Llama = new(32000, 4096, 11008, 32, 32, null, 2048, 1, 2, null, 0);
    private static readonly FamilyDefaults Mistral = new(32000, 4096, 14336, 32, 32, 8, 4096 * 32, 1, 2, 4096, 0);
    private static readonly FamilyDefaults Qwen2 = new(151936, 4096, 22016, 32, 32, 32, 32768, null, null, 4096, 28);

    public static DecoderConfig Read(JsonFields json)
    {
        string modelType = json.String("model_type") ?? "llama";
        var defaults = modelType switch
        {
            "llama" => Llama,
            "mistral" => Mistral,
            "qwen2" => Qwen2,
            _ => throw new NotSupportedException(
                $"{json.Source}: model_type '{modelType}' is not supported by this decoder (llama, mistral, qwen2)"),
        };

        int hidden = Positive(json, "hidden_size", json.Int("hidden_size") ?? defaults.HiddenSize);
        int heads = Positive(json, "num_attention_heads", json.Int("num_attention_heads") ?? defaults.Heads);
        int keyValueHeads = Positive(json, "num_key_value_heads", json.Int("num_key_value_heads") ?? defaults.KeyValueHeads ?? heads);
        if (heads % keyValueHeads != 0)
        {
            throw json.Invalid($"num_attention_heads ({heads}) must be a multiple of num_key_value_heads ({keyValueHeads})");
        }

        if (json.Int("head_dim") is null && hidden % heads != 0)
        {
            throw json.Invalid($"hidden_size ({hidden}) is not divisible by num_attention_heads ({heads}); set head_dim or fix one of the two");
        }

        int headDim = Positive(json, "head_dim", json.Int("head_dim") ?? hidden / heads);
        if (headDim % 2 != 0)
        {
            throw json.Invalid($"head_dim must be even for rotary embeddings, got {headDim}");
        }

        string activation = json.String("hidden_act") ?? "silu";
        if (activation is not ("silu" or "swish"))
        {
            throw new NotSupportedException($"{json.Source}: hidden_act '{activation}' is not supported (silu)");
        }

        var (ropeTheta, ropeScaling) = ReadRope(json);
        bool attentionBias = json.Bool("attention_bias") ?? false;
        int layers = Positive(json, "num_hidden_layers", json.Int("num_hidden_layers") ?? defaults.Layers);

        return new DecoderConfig
        {
            ModelType = modelType,
            VocabSize = Positive(json, "vocab_size", json.Int("vocab_size") ?? defaults.VocabSize),
            HiddenSize = hidden,
            IntermediateSize = Positive(json, "intermediate_size", json.Int("intermediate_size") ?? defaults.IntermediateSize),
            NumHiddenLayers = layers,
            NumAttentionHeads = heads,
            NumKeyValueHeads = keyValueHeads,
            HeadDim = headDim,
            HiddenAct = activation,
            MaxPositionEmbeddings = Positive(json, "max_position_embeddings", json.Int("max_position_embeddings") ?? defaults.MaxPositions),
            RmsNormEps = json.Double("rms_norm_eps") ?? 1e-6,
            RopeTheta = ropeTheta,
            RopeScaling = ropeScaling,
            TieWordEmbeddings = json.Bool("tie_word_embeddings") ?? false,
            QkvBias = modelType == "qwen2" || (modelType == "llama" && attentionBias),
            OutputBias = modelType == "llama" && attentionBias,
            MlpBias = modelType == "llama" && (json.Bool("mlp_bias") ?? false),
            SlidingWindow = ReadSlidingWindow(json, modelType, defaults),
            MaxWindowLayers = modelType == "qwen2" ? json.Int("max_window_layers") ?? defaults.MaxWindowLayers : 0,
            BosTokenId = json.Has("bos_token_id") ? json.Int("bos_token_id") : defaults.BosTokenId,
            EosTokenIds = json.Has("eos_token_id")
                ? json.IntOrList("eos_token_id") ?? []
                : defaults.EosTokenId is int eos ? [eos] : [],
            PadTokenId = json.Int("pad_token_id"),
            TorchDtype = json.String("torch_dtype") ?? json.String("dtype"),
            Source = json.Source,
        };
    }

    private static int? ReadSlidingWindow(JsonFields json, string modelType, FamilyDefaults defaults)
    {
        // An explicit null means "no window"; an absent field takes the class default.
        int? window = json.Has("sliding_window") ? json.Int("sliding_window") : defaults.SlidingWindow;
        return modelType switch
        {
            "mistral" => window,
            "qwen2" => json.Bool("use_sliding_window") == true ? window : null,
            _ => null,
        };
    }

    private static (double Theta, RopeScaling? Scaling) ReadRope(JsonFields json)
    {
        // transformers v5 writes rope_parameters {rope_type, rope_theta, ...}; older releases rope_theta + rope_scaling.
        var parameters = json.Object("rope_parameters");
        double theta = json.Double("rope_theta") ?? parameters?.Double("rope_theta") ?? 10000.0;
        if (theta <= 0)
        {
            throw json.Invalid($"rope_theta must be positive, got {theta}");
        }

        var scaling = json.Object("rope_scaling") ?? parameters;
        return (theta, scaling is null ? null : ReadScaling(scaling));
    }

    private static RopeScaling? ReadScaling(JsonFields scaling)
    {
        string type = scaling.String("rope_type") ?? scaling.String("type") ?? RopeScaling.Default;
        switch (type)
        {
            case RopeScaling.Default:
                return null;
            case RopeScaling.Linear:
                return new RopeScaling(type, Required(scaling, "factor"));
            case RopeScaling.Llama3:
                int original = scaling.Int("original_max_position_embeddings")
                    ?? throw scaling.Invalid("rope_type 'llama3' needs 'original_max_position_embeddings'");
                var result = new RopeScaling(type, Required(scaling, "factor"), Required(scaling, "low_freq_factor"),
                    Required(scaling, "high_freq_factor"), original);
                if (result.HighFreqFactor <= result.LowFreqFactor)
                {
                    throw scaling.Invalid($"high_freq_factor ({result.HighFreqFactor}) must exceed low_freq_factor ({result.LowFreqFactor})");
                }

                return result;
            default:
                throw new NotSupportedException($"{scaling.Source}: rope_type '{type}' is not supported (default, linear, llama3)");
        }
    }

    private static double Required(JsonFields json, string name)
    {
        double value = json.Double(name) ?? throw json.Invalid($"'{name}' is required");
        return value > 0 ? value : throw json.Invalid($"'{name}' must be positive, got {value}");
    }

    private static int Positive(JsonFields json, string name, int value) =>
        value > 0 ? value : throw json.Invalid($"'{name}' must be positive, got {value}");
}
