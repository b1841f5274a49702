using System.Text;
using System.Text.Json.Nodes;
using CsCheck;
using SkiaSharp;
using VisionZip.Models.IO;
using VisionZip.Runtime;
using VisionZip.Tests.Imaging;
using VisionZip.Tests.Support;
using static TorchSharp.torch;

namespace VisionZip.Tests.Reliability;

/// <summary>
/// Property-based fuzzing (CsCheck) of every parser that reads user files: mutations of the real fixture files and
/// of small generated seeds, plus random bytes and arbitrary Unicode. Property (see <see cref="FuzzCase"/>): success
/// or a named error; never another exception, a hang or an over-limit allocation. Iteration counts keep the whole
/// class near 40 s on the 2-core CI box; a failure saves its input for <see cref="FuzzCorpusTests"/>.
/// </summary>
public class FuzzTests
{
    public FuzzTests() => TorchRuntime.EnsureLoaded();

    [Fact]
    public void Safetensors_files() =>
        Fuzz(FuzzTargets.Safetensors, Gen.OneOf(Mutations.OfBytes(SmallSafetensors()), Mutations.OfBytes(SmallSafetensors()), Mutations.Random(256)), 3000);

    [Fact]
    public void Safetensors_index() =>
        Fuzz(FuzzTargets.SafetensorsIndex, Gen.OneOf(Mutations.OfJson(LlamaIndex()), Mutations.OfBytes(Encoding.UTF8.GetBytes(LlamaIndex()))), 600);

    [Fact]
    public void Model_configs()
    {
        string[] seeds = [.. new[] { "llava-1.5-tiny-hf", "llava-interleave-qwen-tiny-hf", "llava-next-tiny-patch14-112-hf", "llama-tiny", "qwen2-tiny",
            "clip-vit-tiny-patch14-336", "siglip-tiny-patch14-384" }.Select(folder => File.ReadAllText(Fixtures.Path(folder, "config.json")))];
        Fuzz(FuzzTargets.ModelConfig, Gen.OneOf(Mutations.OfJson(seeds), Mutations.OfJson(seeds), Mutations.OfBytes([.. seeds.Select(Encoding.UTF8.GetBytes)])), 15000);
    }

    [Fact]
    public void Preprocessor_configs()
    {
        string[] seeds = [.. new[] { "llava-1.5-tiny-hf", "llava-next-tiny-patch14-112-hf", "clip-vit-tiny-patch14-336", "siglip-tiny-patch14-384" }
            .Select(folder => File.ReadAllText(Fixtures.Path(folder, "preprocessor_config.json")))];
        Fuzz(FuzzTargets.Preprocessor, Gen.OneOf(Mutations.OfJson(seeds), Mutations.OfJson(seeds), Mutations.OfBytes([.. seeds.Select(Encoding.UTF8.GetBytes)])), 1500);
    }

    [Fact]
    public void Tokenizer_files()
    {
        string config = File.ReadAllText(Fixtures.Path("llava-1.5-tiny-hf", "tokenizer_config.json"));
        Fuzz(FuzzTargets.LlamaTokenizerConfig, Gen.OneOf(Mutations.OfJson(config), Mutations.OfBytes(Encoding.UTF8.GetBytes(config))), 300);
        Fuzz(FuzzTargets.LlamaTokenizerModel, Gen.OneOf(Mutations.OfBytes(File.ReadAllBytes(Fixtures.Path("llava-1.5-tiny-hf", "tokenizer.model"))), Mutations.Random(512)), 300);
        string vocab = File.ReadAllText(Fixtures.Path("llava-interleave-qwen-tiny-hf", "vocab.json"));
        Fuzz(FuzzTargets.QwenVocab, Gen.OneOf(Mutations.OfJson(vocab), Mutations.OfBytes(Encoding.UTF8.GetBytes(vocab))), 300);
        Fuzz(FuzzTargets.QwenMerges, Mutations.OfBytes(File.ReadAllBytes(Fixtures.Path("llava-interleave-qwen-tiny-hf", "merges.txt"))), 300);
    }

    [Fact]
    public void Image_files()
    {
        byte[] rgba = TestImages.Halves(9, 7, SKColors.Red, SKColors.Blue);
        byte[][] seeds =
        [
            TestImages.Encode(9, 7, rgba, SKEncodedImageFormat.Png),
            TestImages.Encode(9, 7, rgba, SKEncodedImageFormat.Jpeg, 90),
            TestImages.Encode(9, 7, rgba, SKEncodedImageFormat.Webp),
            TestImages.Png(3, 2, 0, [0, 50, 100, 150, 200, 250]),
            TestImages.Png(2, 2, 3, [0, 1, 1, 0], palette: [255, 0, 0, 0, 255, 0]),
            TestImages.Bmp(3, 2, new byte[18]),
            TestImages.Gif2x2([255, 0, 0, 0, 0, 255]),
        ];
        Fuzz(FuzzTargets.Image, Gen.OneOf(Mutations.OfBytes(seeds), Mutations.OfBytes(seeds), Mutations.Random(300)), 8000);
    }

    [Fact]
    public void Tokenizers_on_arbitrary_unicode() => Fuzz(FuzzTargets.TokenizerText, UnicodeText.Select(Encoding.Unicode.GetBytes), 4000);

    [Fact]
    public void Chat_templates_on_arbitrary_unicode() => Fuzz(FuzzTargets.ChatTemplateText, UnicodeText.Select(Encoding.Unicode.GetBytes), 8000);

    private static readonly string[] TemplateWords = ["<image>", "{user}", "{assistant}", "{system}", "{", "}", "</s>", "<|im_start|>", "[INST]", "\n", " ", "\u2581"];

    /// <summary>Text mixing ASCII (template syntax included), any BMP character (lone surrogates too) and astral characters.</summary>
    internal static readonly Gen<string> UnicodeText = Gen.OneOf(
            Gen.Char['\0', '\x7f'].Select(c => c.ToString()),
            Gen.Int[0, 0xFFFF].Select(c => ((char)c).ToString()),
            Gen.Int[0x10000, 0x10FFFF].Select(char.ConvertFromUtf32),
            Gen.Int[0, TemplateWords.Length - 1].Select(i => TemplateWords[i]))
        .Array[0, 40].Select(parts => string.Concat(parts));

    private static void Fuzz(FuzzTarget target, Gen<byte[]> inputs, int iterations) =>
        inputs.Sample(input => FuzzCase.Run(target, input), iter: iterations, threads: 1);

    // A small valid file with one tensor of each stored type the reader knows.
    private static byte[] SmallSafetensors()
    {
        using var scope = NewDisposeScope();
        string path = Path.Combine(Path.GetTempPath(), $"visionzip-fuzz-seed-{Guid.NewGuid():N}.safetensors");
        SafetensorsWriter.Write(path, new Dictionary<string, TorchSharp.torch.Tensor>
        {
            ["model.embed_tokens.weight"] = arange(6, dtype: ScalarType.Float32).reshape(2, 3),
            ["model.norm.weight"] = ones(4, dtype: ScalarType.Float16),
            ["model.layers.0.mlp.up_proj.weight"] = ones(2, 2, dtype: ScalarType.BFloat16),
            ["position_ids"] = arange(2, dtype: ScalarType.Int64),
            ["mask"] = tensor(new[] { true, false, true }),
        }, new Dictionary<string, string> { ["format"] = "pt" });
        byte[] bytes = File.ReadAllBytes(path);
        File.Delete(path);
        return bytes;
    }

    private static string LlamaIndex()
    {
        using var file = SafetensorsFile.Open(Fixtures.Path("llama-tiny", "model.safetensors"));
        var map = new JsonObject();
        foreach (string name in file.Tensors.Keys)
        {
            map[name] = "model-00001-of-00001.safetensors";
        }

        return new JsonObject { ["metadata"] = new JsonObject { ["total_size"] = 378000 }, ["weight_map"] = map }.ToJsonString();
    }
}
