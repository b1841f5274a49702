using System.Text.Json.Nodes;
using VisionZip.Models.IO;
using VisionZip.Models.Vision;
using VisionZip.Tests.Support;
using static TorchSharp.torch;

namespace VisionZip.Tests.Generality;

/// <summary>
/// A whole llava-hf checkpoint at a geometry no fixture has: a random CLIP / SigLIP tower, projector and decoder
/// (float64 weights rounded to float32, kept for the references), the tokenizer and chat files of a llava fixture
/// (llava-1.5-tiny-hf: SentencePiece, vocabulary 1024; llava-interleave-qwen-tiny-hf: byte-level BPE, ChatML,
/// vocabulary 768) and a preprocessor of the tower's kind and size.
/// </summary>
internal sealed class RandomLlavaCheckpoint : IDisposable
{
    private readonly Dictionary<string, Tensor> _projector = new(StringComparer.Ordinal);
    private readonly string _tokenizerFixture;

    public RandomLlavaCheckpoint(VisionConfig vision, RandomDecoderSpec text, string tokenizerFixture, long seed)
    {
        _tokenizerFixture = tokenizerFixture;
        using (var fixtureConfig = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Fixtures.Path(tokenizerFixture, "config.json"))))
        {
            ImageTokenId = fixtureConfig.RootElement.GetProperty("image_token_index").GetInt32();
        }

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

    /// <summary>The <c>&lt;image&gt;</c> id of the borrowed tokenizer.</summary>
    public int ImageTokenId { get; }

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
            ["projector_hidden_act"] = "gelu",
            ["tie_word_embeddings"] = Decoder.Spec.Tied,
            ["text_config"] = textConfig,
            ["vision_config"] = Vision.VisionConfigJson(),
            ["vision_feature_layer"] = featureLayer,
            ["vision_feature_select_strategy"] = strategy,
            ["vocab_size"] = Decoder.Spec.Vocab,
        };
        File.WriteAllText(Path.Combine(directory, "config.json"), config.ToJsonString());
        foreach (string file in Directory.EnumerateFiles(Fixtures.Path(_tokenizerFixture)))
        {
            string name = Path.GetFileName(file);
            if (name is not ("config.json" or "preprocessor_config.json" or SafetensorsCheckpoint.IndexFileName)
                && !name.EndsWith(".safetensors", StringComparison.Ordinal) && !name.StartsWith("golden.", StringComparison.Ordinal))
            {
                File.Copy(file, Path.Combine(directory, name));
            }
        }

        File.WriteAllText(Path.Combine(directory, "preprocessor_config.json"), PreprocessorJson().ToJsonString());

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

    // CLIPImageProcessor (shortest edge + center crop) or SiglipImageProcessor (exact size), at the tower's size.
    private JsonObject PreprocessorJson()
    {
        int size = Vision.Config.ImageSize;
        return Vision.Config.HasCls
            ? new JsonObject
            {
                ["image_processor_type"] = "CLIPImageProcessor",
                ["size"] = new JsonObject { ["shortest_edge"] = size },
                ["crop_size"] = new JsonObject { ["height"] = size, ["width"] = size },
                ["do_center_crop"] = true,
                ["image_mean"] = new JsonArray(0.48145466, 0.4578275, 0.40821073),
                ["image_std"] = new JsonArray(0.26862954, 0.26130258, 0.27577711),
                ["resample"] = 3,
            }
            : new JsonObject
            {
                ["image_processor_type"] = "SiglipImageProcessor",
                ["size"] = new JsonObject { ["height"] = size, ["width"] = size },
                ["image_mean"] = new JsonArray(0.5, 0.5, 0.5),
                ["image_std"] = new JsonArray(0.5, 0.5, 0.5),
                ["resample"] = 3,
            };
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
