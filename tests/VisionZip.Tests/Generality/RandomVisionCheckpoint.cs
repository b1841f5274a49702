using System.Text.Json.Nodes;
using VisionZip.Models.IO;
using VisionZip.Models.Vision;
using static TorchSharp.torch;

namespace VisionZip.Tests.Generality;

/// <summary>
/// A CLIP or SigLIP vision tower of any geometry with random weights, written as a Hugging Face directory
/// (<c>config.json</c> + <c>model.safetensors</c>), plus the same weights in float64 for the reference encoder.
/// </summary>
/// <remarks>
/// Scales are chosen so activations stay O(1) and attention is peaked (queries and keys larger than a unit init),
/// LayerNorm scales and every bias are non-trivial, so a misplaced weight shows. Names are written here from the
/// transformers modules, independently of the library's module tree; a CLIP tower also gets the <c>position_ids</c>
/// buffer and a SigLIP tower an attention-pooling <c>head</c>, which a loader must ignore.
/// </remarks>
internal sealed class RandomVisionCheckpoint : IDisposable
{
    private readonly Dictionary<string, Tensor> _weights = new(StringComparer.Ordinal); // float64, names below vision_model.

    public RandomVisionCheckpoint(VisionConfig config, long seed)
    {
        Config = config;
        using var generator = new Generator((ulong)seed);
        long d = config.HiddenSize, c = config.NumChannels, p = config.PatchSize, i = config.IntermediateSize;
        Tensor Normal(double std, params long[] shape) => randn(shape, ScalarType.Float64, generator: generator).mul_(std);

        if (config.HasCls)
        {
            Add("embeddings.class_embedding", Normal(0.5, d));
            Add("embeddings.patch_embedding.weight", Normal(1.0 / Math.Sqrt(c * p * p), d, c, p, p));
            Add("pre_layrnorm.weight", Normal(0.1, d).add_(1));
            Add("pre_layrnorm.bias", Normal(0.1, d));
        }
        else
        {
            Add("embeddings.patch_embedding.weight", Normal(1.0 / Math.Sqrt(c * p * p), d, c, p, p));
            Add("embeddings.patch_embedding.bias", Normal(0.1, d));
        }

        Add("embeddings.position_embedding.weight", Normal(0.5, config.NumPositions, d));
        for (int layer = 0; layer < config.NumHiddenLayers; layer++)
        {
            string prefix = $"encoder.layers.{layer}.";
            foreach (string norm in new[] { "layer_norm1", "layer_norm2" })
            {
                Add($"{prefix}{norm}.weight", Normal(0.1, d).add_(1));
                Add($"{prefix}{norm}.bias", Normal(0.1, d));
            }

            foreach (var (projection, gain) in new[] { ("q_proj", 1.5), ("k_proj", 1.5), ("v_proj", 1.0), ("out_proj", 1.0) })
            {
                Add($"{prefix}self_attn.{projection}.weight", Normal(gain / Math.Sqrt(d), d, d));
                Add($"{prefix}self_attn.{projection}.bias", Normal(0.1, d));
            }

            Add($"{prefix}mlp.fc1.weight", Normal(1.0 / Math.Sqrt(d), i, d));
            Add($"{prefix}mlp.fc1.bias", Normal(0.1, i));
            Add($"{prefix}mlp.fc2.weight", Normal(1.0 / Math.Sqrt(i), d, i));
            Add($"{prefix}mlp.fc2.bias", Normal(0.1, d));
        }

        Add("post_layernorm.weight", Normal(0.1, d).add_(1));
        Add("post_layernorm.bias", Normal(0.1, d));
    }

    public VisionConfig Config { get; }

    /// <summary>The float64 weights by their names below <c>vision_model.</c>.</summary>
    public IReadOnlyDictionary<string, Tensor> Weights => _weights;

    public Tensor this[string name] => _weights[name];

    /// <summary>Writes a standalone <c>clip_vision_model</c> / <c>siglip_vision_model</c> checkpoint (float32 weights).</summary>
    public string WriteStandalone(string directory)
    {
        Directory.CreateDirectory(directory);
        var root = VisionConfigJson();
        File.WriteAllText(Path.Combine(directory, "config.json"), root.ToJsonString());
        using var scope = NewDisposeScope();
        var tensors = Float32("vision_model.");
        if (Config.HasCls)
        {
            tensors.Add(new("vision_model.embeddings.position_ids", arange(Config.NumPositions, ScalarType.Int64).unsqueeze(0)));
        }
        else
        {
            long d = Config.HiddenSize;
            tensors.Add(new("vision_model.head.probe", zeros(1, 1, d)));
            tensors.Add(new("vision_model.head.mlp.fc1.weight", zeros(Config.IntermediateSize, d)));
        }

        SafetensorsWriter.Write(Path.Combine(directory, SafetensorsCheckpoint.SingleFileName), tensors);
        return directory;
    }

    /// <summary>
    /// Writes a llava-hf checkpoint in the newer spelling (<c>model.vision_tower.vision_model.*</c>,
    /// <c>model.multi_modal_projector.*</c>) with this tower, the given projector weights (float64, names
    /// <c>linear_1.weight</c> ...) and the given feature layer and strategy. No language model weights are written.
    /// </summary>
    public string WriteLlava(string directory, IReadOnlyDictionary<string, Tensor> projector, int textHidden, int featureLayer, string strategy)
    {
        Directory.CreateDirectory(directory);
        var root = new JsonObject
        {
            ["model_type"] = "llava",
            ["vision_config"] = VisionConfigJson(),
            ["text_config"] = new JsonObject { ["model_type"] = "llama", ["hidden_size"] = textHidden },
            ["vision_feature_layer"] = featureLayer,
            ["vision_feature_select_strategy"] = strategy,
            ["projector_hidden_act"] = "gelu",
        };
        File.WriteAllText(Path.Combine(directory, "config.json"), root.ToJsonString());
        using var scope = NewDisposeScope();
        var tensors = Float32("model.vision_tower.vision_model.");
        tensors.AddRange(projector.Select(p => KeyValuePair.Create("model.multi_modal_projector." + p.Key, p.Value.to(ScalarType.Float32))));
        SafetensorsWriter.Write(Path.Combine(directory, SafetensorsCheckpoint.SingleFileName), tensors);
        return directory;
    }

    public void Dispose()
    {
        foreach (var tensor in _weights.Values)
        {
            tensor.Dispose();
        }
    }

    /// <summary>The vision config as <c>config.json</c> (or a llava <c>vision_config</c>) spells it.</summary>
    public JsonObject VisionConfigJson() => new()
    {
        ["model_type"] = Config.HasCls ? "clip_vision_model" : "siglip_vision_model",
        ["hidden_size"] = Config.HiddenSize,
        ["intermediate_size"] = Config.IntermediateSize,
        ["num_hidden_layers"] = Config.NumHiddenLayers,
        ["num_attention_heads"] = Config.NumAttentionHeads,
        ["num_channels"] = Config.NumChannels,
        ["image_size"] = Config.ImageSize,
        ["patch_size"] = Config.PatchSize,
        ["hidden_act"] = Config.HiddenAct.ToConfigName(),
        ["layer_norm_eps"] = Config.LayerNormEps,
    };

    // Float32 copies in the caller's dispose scope.
    private List<KeyValuePair<string, Tensor>> Float32(string prefix) =>
        _weights.Select(p => KeyValuePair.Create(prefix + p.Key, p.Value.to(ScalarType.Float32))).ToList();

    // Stored already rounded to float32, so the float64 reference and the float32 checkpoint hold the same values.
    private void Add(string name, Tensor tensor)
    {
        using var scope = NewDisposeScope();
        _weights.Add(name, tensor.to(ScalarType.Float32).to(ScalarType.Float64).DetachFromDisposeScope());
    }
}
