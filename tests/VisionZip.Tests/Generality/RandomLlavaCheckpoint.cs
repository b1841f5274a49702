using System.Text.Json.Nodes;
using VisionZip.IO;
using VisionZip.Models.Vision;
using VisionZip.Tests.Support;
using static TorchSharp.torch;

namespace VisionZip.Tests.Generality;

/// <summary>
/// A whole llava-hf checkpoint at a geometry no fixture has: a random CLIP / SigLIP tower, projector and decoder
/// (float64 weights rounded to float32, kept for the references), the tokenizer files of llava-1.5-tiny-hf (vocabulary
/// 1024, <c>&lt;image&gt;</c> = 1000) and a preprocessor sized to the tower.
/// </summary>
internal sealed class RandomLlavaCheckpoint : IDisposable
{
    public const int ImageTokenId = 1000;
    private static readonly string[] TokenizerFiles =
        ["tokenizer.model", "tokenizer_config.json", "special_tokens_map.json", "added_tokens.json", "generation_config.json", "processor_config.json"];

    private readonly Dictionary<string, Tensor> _projector = new(StringComparer.Ordinal);

    public RandomLlavaCheckpoint(VisionConfig vision, RandomDecoderSpec text, long seed)
    {
        Vision = new RandomVisionCheckpoint(vision, seed);
        Decoder = new RandomDecoderCheckpoint(text, seed + 1);
        using var generator = new Generator((ulong)(seed + 2));
        void Add(string name, double std, params long[] shape)
        {
            using var scope = NewDisposeScope();
            _projector[name] = randn(shape, ScalarType.Float32, generator: generator).mul_(std).to(ScalarType.Float64).DetachFromDisposeScope();
        }

        Add("linear_1.weight", 1.0 / Math.Sqrt(vision.HiddenSize), text.Hidden, vision.HiddenSize);
        Add("linear_1.bias", 0.1, text.Hidden);
        Add("linear_2.weight", 1.0 / Math.Sqrt(text.Hidden), text.Hidden, text.Hidden);
        Add("linear_2.bias", 0.1, text.Hidden);
    }

    public RandomVisionCheckpoint Vision { get; }

    public RandomDecoderCheckpoint Decoder { get; }

    /// <summary>The float64 reference projector applied to <paramref name="features"/> [..., Dv].</summary>
    public Tensor Project(Tensor features) => ReferenceVisionEncoder.Project(_projector, features);

    public string Write(string directory, LlavaSpelling spelling, int featureLayer = -2, string strategy = "default")
    {
        Directory.CreateDirectory(directory);
        var textConfig = Decoder.Spec.ToConfigJson();
        var config = new JsonObject
        {
            ["architectures"] = new JsonArray("LlavaForConditionalGeneration"),
            ["model_type"] = "llava",
            ["image_token_index"] = ImageTokenId,
            ["pad_token_id"] = 1001,
            ["projector_hidden_act"] = "gelu",
            ["tie_word_embeddings"] = Decoder.Spec.Tied,
            ["text_config"] = textConfig,
            ["vision_config"] = Vision.VisionConfigJson(),
            ["vision_feature_layer"] = featureLayer,
            ["vision_feature_select_strategy"] = strategy,
            ["vocab_size"] = Decoder.Spec.Vocab,
        };
        File.WriteAllText(Path.Combine(directory, "config.json"), config.ToJsonString());
        foreach (string file in TokenizerFiles)
        {
            File.Copy(Fixtures.Path("llava-1.5-tiny-hf", file), Path.Combine(directory, file));
        }

        var preprocessor = JsonNode.Parse(File.ReadAllText(Fixtures.Path("llava-1.5-tiny-hf", "preprocessor_config.json")))!.AsObject();
        int size = Vision.Config.ImageSize;
        preprocessor["size"] = new JsonObject { ["shortest_edge"] = size };
        preprocessor["crop_size"] = new JsonObject { ["height"] = size, ["width"] = size };
        File.WriteAllText(Path.Combine(directory, "preprocessor_config.json"), preprocessor.ToJsonString());

        using var scope = NewDisposeScope();
        var tensors = new List<KeyValuePair<string, Tensor>>();
        void Add(string legacyName, Tensor tensor) =>
            tensors.Add(KeyValuePair.Create(LlavaTensorSpelling.Respell(legacyName, spelling), tensor.to(ScalarType.Float32)));
        foreach (var (name, tensor) in Vision.Weights)
        {
            Add("vision_tower.vision_model." + name, tensor);
        }

        foreach (var (name, tensor) in _projector)
        {
            Add("multi_modal_projector." + name, tensor);
        }

        foreach (var (name, tensor) in Decoder.Weights)
        {
            Add(name == "lm_head.weight" ? "language_model.lm_head.weight" : "language_model." + name, tensor);
        }

        SafetensorsWriter.Write(Path.Combine(directory, SafetensorsCheckpoint.SingleFileName), tensors);
        return directory;
    }

    public void Dispose()
    {
        Vision.Dispose();
        Decoder.Dispose();
        foreach (var tensor in _projector.Values)
        {
            tensor.Dispose();
        }
    }
}
