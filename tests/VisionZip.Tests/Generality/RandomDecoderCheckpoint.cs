using System.Text.Json.Nodes;
using VisionZip.Models.IO;
using static TorchSharp.torch;

namespace VisionZip.Tests.Generality;

/// <summary>The geometry and options of a random decoder, written to <c>config.json</c> with the hub's field names.</summary>
internal sealed record RandomDecoderSpec(
    string ModelType,
    int Vocab,
    int Hidden,
    int Intermediate,
    int Layers,
    int Heads,
    int KeyValueHeads,
    int? HeadDim = null,
    bool Tied = false,
    bool AttentionBias = false,
    bool MlpBias = false,
    double RopeTheta = 10000.0,
    double? LinearRopeFactor = null,
    int? SlidingWindow = null,
    int? MaxWindowLayers = null,
    int MaxPositions = 64)
{
    public int ResolvedHeadDim => HeadDim ?? Hidden / Heads;

    /// <summary>q/k/v bias: Qwen2 always, Llama with attention_bias.</summary>
    public bool QkvBias => ModelType == "qwen2" || (ModelType == "llama" && AttentionBias);

    /// <summary>o_proj bias: Llama with attention_bias only.</summary>
    public bool OutputBias => ModelType == "llama" && AttentionBias;

    /// <summary>gate/up/down bias: Llama with mlp_bias only.</summary>
    public bool LinearMlpBias => ModelType == "llama" && MlpBias;

    /// <summary>The window of one layer (Mistral: every layer; Qwen2: layers from max_window_layers on), or null.</summary>
    public int? WindowOf(int layer) => SlidingWindow is int window && layer >= (MaxWindowLayers ?? 0) ? window : null;

    public JsonObject ToConfigJson()
    {
        var json = new JsonObject
        {
            ["model_type"] = ModelType,
            ["vocab_size"] = Vocab,
            ["hidden_size"] = Hidden,
            ["intermediate_size"] = Intermediate,
            ["num_hidden_layers"] = Layers,
            ["num_attention_heads"] = Heads,
            ["num_key_value_heads"] = KeyValueHeads,
            ["max_position_embeddings"] = MaxPositions,
            ["rms_norm_eps"] = 1e-5,
            ["rope_theta"] = RopeTheta,
            ["tie_word_embeddings"] = Tied,
            ["hidden_act"] = "silu",
            ["torch_dtype"] = "float32",
        };
        if (HeadDim is int headDim)
        {
            json["head_dim"] = headDim;
        }

        if (ModelType == "llama")
        {
            json["attention_bias"] = AttentionBias;
            json["mlp_bias"] = MlpBias;
        }

        if (LinearRopeFactor is double factor)
        {
            json["rope_scaling"] = new JsonObject { ["rope_type"] = "linear", ["factor"] = factor };
        }

        switch (ModelType)
        {
            case "mistral":
                json["sliding_window"] = SlidingWindow is int window ? JsonValue.Create(window) : null;
                break;
            case "qwen2":
                json["use_sliding_window"] = SlidingWindow is not null;
                json["sliding_window"] = SlidingWindow ?? 4096;
                json["max_window_layers"] = MaxWindowLayers ?? 0;
                break;
        }

        return json;
    }
}

/// <summary>
/// A llama / mistral / qwen2 decoder of any geometry with random weights (float64, already rounded to float32), written
/// as <c>config.json</c> + <c>model.safetensors</c> with the Hugging Face names.
/// </summary>
internal sealed class RandomDecoderCheckpoint : IDisposable
{
    private readonly Dictionary<string, Tensor> _weights = new(StringComparer.Ordinal);

    public RandomDecoderCheckpoint(RandomDecoderSpec spec, long seed)
    {
        Spec = spec;
        using var generator = new Generator((ulong)seed);
        long hidden = spec.Hidden, queryWidth = (long)spec.Heads * spec.ResolvedHeadDim;
        long keyValueWidth = (long)spec.KeyValueHeads * spec.ResolvedHeadDim, intermediate = spec.Intermediate;
        Tensor Normal(double std, params long[] shape) => randn(shape, ScalarType.Float64, generator: generator).mul_(std);
        void Linear(string name, long outputs, long inputs, bool bias)
        {
            Add($"{name}.weight", Normal(1.0 / Math.Sqrt(inputs), outputs, inputs));
            if (bias)
            {
                Add($"{name}.bias", Normal(0.2, outputs));
            }
        }

        Add("model.embed_tokens.weight", Normal(1.0, spec.Vocab, hidden));
        for (int layer = 0; layer < spec.Layers; layer++)
        {
            string p = $"model.layers.{layer}.";
            Add($"{p}input_layernorm.weight", Normal(0.1, hidden).add_(1));
            Add($"{p}post_attention_layernorm.weight", Normal(0.1, hidden).add_(1));
            Linear($"{p}self_attn.q_proj", queryWidth, hidden, spec.QkvBias);
            Linear($"{p}self_attn.k_proj", keyValueWidth, hidden, spec.QkvBias);
            Linear($"{p}self_attn.v_proj", keyValueWidth, hidden, spec.QkvBias);
            Linear($"{p}self_attn.o_proj", hidden, queryWidth, spec.OutputBias);
            Linear($"{p}mlp.gate_proj", intermediate, hidden, spec.LinearMlpBias);
            Linear($"{p}mlp.up_proj", intermediate, hidden, spec.LinearMlpBias);
            Linear($"{p}mlp.down_proj", hidden, intermediate, spec.LinearMlpBias);
        }

        Add("model.norm.weight", Normal(0.1, hidden).add_(1));
        if (!spec.Tied)
        {
            Add("lm_head.weight", Normal(1.0 / Math.Sqrt(hidden), spec.Vocab, hidden));
        }
    }

    public RandomDecoderSpec Spec { get; }

    public Tensor this[string name] => _weights[name];

    /// <summary>The float64 weights by their Hugging Face names (<c>model.*</c>, <c>lm_head.weight</c>).</summary>
    public IReadOnlyDictionary<string, Tensor> Weights => _weights;

    public string Write(string directory)
    {
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "config.json"), Spec.ToConfigJson().ToJsonString());
        using var scope = NewDisposeScope();
        SafetensorsWriter.Write(Path.Combine(directory, SafetensorsCheckpoint.SingleFileName),
            _weights.Select(p => KeyValuePair.Create(p.Key, p.Value.to(ScalarType.Float32))));
        return directory;
    }

    public void Dispose()
    {
        foreach (var tensor in _weights.Values)
        {
            tensor.Dispose();
        }
    }

    private void Add(string name, Tensor tensor)
    {
        using var scope = NewDisposeScope();
        _weights.Add(name, tensor.to(ScalarType.Float32).to(ScalarType.Float64).DetachFromDisposeScope());
    }
}
