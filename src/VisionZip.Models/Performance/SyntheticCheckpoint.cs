using System.Globalization;
using System.Text.Json;
using VisionZip.Models.IO;
using VisionZip.Models.Language;
using static TorchSharp.torch;

namespace VisionZip.Models.Performance;

/// <summary>
/// Random-weight LLaVA checkpoints in Hugging Face format (llava-hf config, tensor names and preprocessor config, bfloat16
/// safetensors shards with an index), so benchmarks run the real loader and the real forward at a real model's shape
/// without downloading it. Weights are normal with std 0.02 (transformers' <c>initializer_range</c>), norms are 1.
/// There is no tokenizer: prompts are given as token ids.
/// </summary>
/// <remarks>
/// <see cref="Ensure"/> caches each checkpoint under <c>~/.cache/visionzip/synthetic/NAME-lLAYERS-sSEED</c> (a marker
/// file is written last and the directory is moved into place, so an interrupted write is never reused). One shard holds
/// the vision tower and projector, then one shard per four decoder layers, then the embeddings and head: at most about
/// 2 GB of weights (13B) exist in memory at a time.
/// </remarks>
public static class SyntheticCheckpoint
{
    /// <summary>The seed <see cref="Ensure"/> uses.</summary>
    public const int DefaultSeed = 20250601;

    /// <summary>Image placeholder id written to the config (llava-hf's 32000 when the vocabulary has room).</summary>
    public const int ImageTokenIndex = 32000;

    private const double WeightStd = 0.02;
    private const int LayersPerShard = 4;
    private const string Marker = "synthetic-complete";

    /// <summary>Names of the geometries <see cref="Ensure"/> knows.</summary>
    public static IReadOnlyList<string> Names => [.. SyntheticGeometry.All.Select(g => g.Name)];

    /// <summary>
    /// The cached checkpoint of <paramref name="geometryName"/> with <paramref name="languageLayers"/> decoder layers (null =
    /// the model's full depth), written first when it is not there yet.
    /// </summary>
    /// <param name="geometryName">One of <see cref="Names"/>.</param>
    /// <param name="languageLayers">Decoder layers, 1 to the full depth; null = full depth.</param>
    /// <param name="cacheRoot">Where checkpoints are kept; null = <c>~/.cache/visionzip/synthetic</c> (or the temp directory without a home).</param>
    /// <returns>The checkpoint directory.</returns>
    /// <exception cref="ArgumentException">An unknown name, or a layer count outside 1 to the full depth.</exception>
    public static string Ensure(string geometryName, int? languageLayers = null, string? cacheRoot = null)
    {
        var geometry = SyntheticGeometry.Find(geometryName);
        int full = geometry.Cost.Decoder.Layers;
        int layers = languageLayers ?? full;
        if (layers < 1 || layers > full)
        {
            throw new ArgumentOutOfRangeException(nameof(languageLayers), layers, $"{geometry.Name} has 1 to {full} language-model layers");
        }

        geometry = geometry.WithLanguageLayers(layers);
        string root = cacheRoot ?? DefaultCacheRoot();
        string directory = Path.Combine(root, string.Create(CultureInfo.InvariantCulture, $"{geometry.Name}-l{layers}-s{DefaultSeed}"));
        if (File.Exists(Path.Combine(directory, Marker)))
        {
            return directory;
        }

        System.IO.Directory.CreateDirectory(root);
        string staging = directory + "." + Guid.NewGuid().ToString("N") + ".tmp";
        try
        {
            Write(staging, geometry, DefaultSeed);
            File.WriteAllText(Path.Combine(staging, Marker), geometry.Name);
            if (System.IO.Directory.Exists(directory))
            {
                System.IO.Directory.Delete(directory, recursive: true);   // an incomplete earlier write
            }

            System.IO.Directory.Move(staging, directory);
        }
        catch
        {
            if (System.IO.Directory.Exists(staging))
            {
                System.IO.Directory.Delete(staging, recursive: true);
            }

            throw;
        }

        return directory;
    }

    /// <summary>Writes a checkpoint of <paramref name="geometry"/> into <paramref name="directory"/> (created; files replaced).</summary>
    /// <param name="directory">Target directory.</param>
    /// <param name="geometry">The shape; its decoder's layer count is the number of layers written.</param>
    /// <param name="seed">Seed of the random weights (same seed, same bytes).</param>
    public static void Write(string directory, SyntheticGeometry geometry, int seed = DefaultSeed)
    {
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentNullException.ThrowIfNull(geometry);
        System.IO.Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "config.json"), ConfigJson(geometry));
        File.WriteAllText(Path.Combine(directory, "preprocessor_config.json"), PreprocessorJson(geometry));

        var shards = Shards(geometry);
        var weightMap = new SortedDictionary<string, string>(StringComparer.Ordinal);
        using var generator = new Generator((ulong)seed);
        for (int i = 0; i < shards.Count; i++)
        {
            string file = string.Create(CultureInfo.InvariantCulture, $"model-{i + 1:D5}-of-{shards.Count:D5}.safetensors");
            var tensors = new List<KeyValuePair<string, Tensor>>();
            try
            {
                foreach (var (name, shape) in shards[i])
                {
                    tensors.Add(new(name, Random(name, shape, generator)));
                    weightMap[name] = file;
                }

                SafetensorsWriter.Write(Path.Combine(directory, file), tensors, new Dictionary<string, string> { ["format"] = "pt" });
            }
            finally
            {
                tensors.ForEach(pair => pair.Value.Dispose());
            }
        }

        File.WriteAllText(Path.Combine(directory, "model.safetensors.index.json"), IndexJson(weightMap));
    }

    private static string DefaultCacheRoot()
    {
        string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return Path.Combine(string.IsNullOrEmpty(home) ? Path.GetTempPath() : Path.Combine(home, ".cache"), "visionzip", "synthetic");
    }

    private static Tensor Random(string name, long[] shape, Generator generator)
    {
        using var scope = NewDisposeScope();
        bool isNorm = name.Contains("norm", StringComparison.Ordinal) && name.EndsWith(".weight", StringComparison.Ordinal);
        var tensor = isNorm
            ? ones(shape, ScalarType.BFloat16)
            : name.EndsWith(".bias", StringComparison.Ordinal)
                ? zeros(shape, ScalarType.BFloat16)
                : randn(shape, ScalarType.Float32, generator: generator).mul_(WeightStd).to(ScalarType.BFloat16);
        return tensor.DetachFromDisposeScope();
    }

    // Tensor names and shapes per shard, in llava-hf's original spelling.
    private static List<List<(string Name, long[] Shape)>> Shards(SyntheticGeometry geometry)
    {
        var (v, projector, d) = (geometry.Cost.Encoder, geometry.Cost.Projector, geometry.Cost.Decoder);
        long patches = (long)(geometry.ImageSize / v.PatchSize) * (geometry.ImageSize / v.PatchSize);
        const string vision = "vision_tower.vision_model.";
        var first = new List<(string, long[])>
        {
            (vision + "embeddings.class_embedding", [v.Hidden]),
            (vision + "embeddings.patch_embedding.weight", [v.Hidden, 3, v.PatchSize, v.PatchSize]),
            (vision + "embeddings.position_embedding.weight", [patches + 1, v.Hidden]),
            (vision + "pre_layrnorm.weight", [v.Hidden]),
            (vision + "pre_layrnorm.bias", [v.Hidden]),
            (vision + "post_layernorm.weight", [v.Hidden]),
            (vision + "post_layernorm.bias", [v.Hidden]),
            ("multi_modal_projector.linear_1.weight", [projector.TextHidden, projector.VisionHidden]),
            ("multi_modal_projector.linear_1.bias", [projector.TextHidden]),
            ("multi_modal_projector.linear_2.weight", [projector.TextHidden, projector.TextHidden]),
            ("multi_modal_projector.linear_2.bias", [projector.TextHidden]),
        };
        for (int layer = 0; layer < geometry.VisionLayers; layer++)
        {
            string prefix = string.Create(CultureInfo.InvariantCulture, $"{vision}encoder.layers.{layer}.");
            foreach (var projection in new[] { "q_proj", "k_proj", "v_proj", "out_proj" })
            {
                first.Add((prefix + "self_attn." + projection + ".weight", [v.Hidden, v.Hidden]));
                first.Add((prefix + "self_attn." + projection + ".bias", [v.Hidden]));
            }

            first.Add((prefix + "mlp.fc1.weight", [v.Intermediate, v.Hidden]));
            first.Add((prefix + "mlp.fc1.bias", [v.Intermediate]));
            first.Add((prefix + "mlp.fc2.weight", [v.Hidden, v.Intermediate]));
            first.Add((prefix + "mlp.fc2.bias", [v.Hidden]));
            foreach (var norm in new[] { "layer_norm1", "layer_norm2" })
            {
                first.Add((prefix + norm + ".weight", [v.Hidden]));
                first.Add((prefix + norm + ".bias", [v.Hidden]));
            }
        }

        if (geometry.Next)
        {
            first.Add(("image_newline", [d.Hidden]));
        }

        var shards = new List<List<(string, long[])>> { first };
        var decoder = LlamaForCausalLM.ExpectedWeights(DecoderConfig.Parse(TextConfigJson(geometry), geometry.Name),
            "language_model.model.", "language_model.lm_head.weight");
        var rest = new List<(string, long[])>();
        foreach (var (name, shape) in decoder)
        {
            if (LayerOf(name) is int layer)
            {
                int shard = 1 + layer / LayersPerShard;
                while (shards.Count <= shard)
                {
                    shards.Add([]);
                }

                shards[shard].Add((name, shape));
            }
            else
            {
                rest.Add((name, shape));
            }
        }

        shards.Add(rest);
        return shards;
    }

    private static int? LayerOf(string name)
    {
        const string marker = ".layers.";
        int at = name.IndexOf(marker, StringComparison.Ordinal);
        if (at < 0)
        {
            return null;
        }

        int start = at + marker.Length;
        int end = name.IndexOf('.', start);
        return int.Parse(name.AsSpan(start, end - start), CultureInfo.InvariantCulture);
    }

    private static string ConfigJson(SyntheticGeometry geometry) => Json(json =>
    {
        var (v, d) = (geometry.Cost.Encoder, geometry.Cost.Decoder);
        json.WriteStartArray("architectures");
        json.WriteStringValue(geometry.Next ? "LlavaNextForConditionalGeneration" : "LlavaForConditionalGeneration");
        json.WriteEndArray();
        json.WriteString("model_type", geometry.Next ? "llava_next" : "llava");
        json.WriteNumber("image_token_index", Math.Min(ImageTokenIndex, d.Vocab - 2));
        json.WriteNumber("pad_token_id", Math.Min(ImageTokenIndex + 1, d.Vocab - 1));
        json.WriteString("projector_hidden_act", "gelu");
        json.WriteNumber("vision_feature_layer", -2);
        json.WriteString("vision_feature_select_strategy", "default");
        json.WriteBoolean("tie_word_embeddings", false);
        json.WriteNumber("vocab_size", d.Vocab);
        json.WriteString("torch_dtype", "bfloat16");
        if (geometry.Next)
        {
            WritePinpoints(json, geometry.ImageSize);
            json.WriteBoolean("use_image_newline_parameter", true);
        }

        json.WritePropertyName("text_config");
        using (var text = JsonDocument.Parse(TextConfigJson(geometry)))
        {
            text.WriteTo(json);
        }

        json.WriteStartObject("vision_config");
        json.WriteString("model_type", "clip_vision_model");
        json.WriteNumber("hidden_size", v.Hidden);
        json.WriteNumber("intermediate_size", v.Intermediate);
        json.WriteNumber("num_hidden_layers", geometry.VisionLayers);
        json.WriteNumber("num_attention_heads", geometry.VisionHeads);
        json.WriteNumber("image_size", geometry.ImageSize);
        json.WriteNumber("patch_size", v.PatchSize);
        json.WriteNumber("projection_dim", 768);
        json.WriteString("hidden_act", "quick_gelu");
        json.WriteNumber("layer_norm_eps", 1e-5);
        json.WriteEndObject();
    });

    private static string TextConfigJson(SyntheticGeometry geometry) => Json(json =>
    {
        var d = geometry.Cost.Decoder;
        json.WriteStartArray("architectures");
        json.WriteStringValue(geometry.TextModelType == "mistral" ? "MistralForCausalLM" : "LlamaForCausalLM");
        json.WriteEndArray();
        json.WriteString("model_type", geometry.TextModelType);
        json.WriteNumber("hidden_size", d.Hidden);
        json.WriteNumber("intermediate_size", d.Intermediate);
        json.WriteNumber("num_hidden_layers", d.Layers);
        json.WriteNumber("num_attention_heads", d.Heads);
        json.WriteNumber("num_key_value_heads", d.KeyValueHeads);
        json.WriteNumber("head_dim", d.HeadDim);
        json.WriteNumber("vocab_size", d.Vocab);
        json.WriteNumber("max_position_embeddings", geometry.MaxPositions);
        json.WriteNumber("rms_norm_eps", 1e-5);
        json.WriteNumber("rope_theta", geometry.RopeTheta);
        json.WriteBoolean("tie_word_embeddings", false);
    });

    private static string PreprocessorJson(SyntheticGeometry geometry) => Json(json =>
    {
        int size = geometry.ImageSize;
        json.WriteString("image_processor_type", geometry.Next ? "LlavaNextImageProcessor" : "CLIPImageProcessor");
        if (geometry.Next)
        {
            json.WriteString("aspect_ratio_setting", "anyres");
            WritePinpoints(json, size);
        }

        json.WriteStartObject("crop_size");
        json.WriteNumber("height", size);
        json.WriteNumber("width", size);
        json.WriteEndObject();
        json.WriteStartObject("size");
        json.WriteNumber("shortest_edge", size);
        json.WriteEndObject();
        json.WriteBoolean("do_center_crop", true);
        json.WriteBoolean("do_convert_rgb", true);
        json.WriteBoolean("do_normalize", true);
        json.WriteBoolean("do_rescale", true);
        json.WriteBoolean("do_resize", true);
        WriteNumbers(json, "image_mean", [0.48145466, 0.4578275, 0.40821073]);
        WriteNumbers(json, "image_std", [0.26862954, 0.26130258, 0.27577711]);
        json.WriteNumber("resample", 3);
        json.WriteNumber("rescale_factor", 1.0 / 255);
    });

    // LLaVA-NeXT's five grids in units of the tile size: 1x2, 2x1, 2x2, 3x1, 1x3.
    private static void WritePinpoints(Utf8JsonWriter json, int size)
    {
        json.WriteStartArray("image_grid_pinpoints");
        foreach (var (h, w) in new[] { (1, 2), (2, 1), (2, 2), (3, 1), (1, 3) })
        {
            json.WriteStartArray();
            json.WriteNumberValue(h * size);
            json.WriteNumberValue(w * size);
            json.WriteEndArray();
        }

        json.WriteEndArray();
    }

    private static void WriteNumbers(Utf8JsonWriter json, string name, double[] values)
    {
        json.WriteStartArray(name);
        foreach (var value in values)
        {
            json.WriteNumberValue(value);
        }

        json.WriteEndArray();
    }

    private static string IndexJson(SortedDictionary<string, string> weightMap) => Json(json =>
    {
        json.WriteStartObject("metadata");
        json.WriteEndObject();
        json.WriteStartObject("weight_map");
        foreach (var (name, file) in weightMap)
        {
            json.WriteString(name, file);
        }

        json.WriteEndObject();
    });

    private static string Json(Action<Utf8JsonWriter> body)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            body(json);
            json.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }
}
