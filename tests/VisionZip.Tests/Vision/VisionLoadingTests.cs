using VisionZip.Models.IO;
using VisionZip.Models.Vision;
using VisionZip.Tests.Support;
using static TorchSharp.torch;

namespace VisionZip.Tests.Vision;

/// <summary>Parameter names, checkpoint layouts, and the single error that lists every bad weight.</summary>
public sealed class VisionLoadingTests
{
    [Theory]
    [InlineData("clip-vit-tiny-patch14-336")]
    [InlineData("siglip-tiny-patch14-384")]
    [InlineData("llava-1.5-tiny-hf")]
    [InlineData("llava-interleave-qwen-tiny-hf")]
    public void Parameter_names_are_the_checkpoint_keys(string fixture)
    {
        using var tower = VisionTower.Load(Fixtures.Path(fixture));
        using var checkpoint = SafetensorsCheckpoint.Open(Fixtures.Path(fixture));
        string prefix = tower.WeightPrefix!;
        var expected = checkpoint.Names
            .Where(n => n.StartsWith(prefix, StringComparison.Ordinal))
            .Select(n => n[prefix.Length..])
            .Where(n => n != "embeddings.position_ids" && !n.StartsWith("head.", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal);
        var actual = tower.Transformer.named_parameters().Select(p => p.name).Order(StringComparer.Ordinal);
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void Projector_names_are_the_llava_keys()
    {
        using var projector = LlavaMultiModalProjector.Load(Fixtures.Path("llava-1.5-tiny-hf"));
        Assert.Equal(["linear_1.bias", "linear_1.weight", "linear_2.bias", "linear_2.weight"],
            projector.named_parameters().Select(p => p.name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Weights_convert_to_the_requested_dtype()
    {
        using var tower = VisionTower.Load(Fixtures.Path("llava-interleave-qwen-tiny-hf"), ScalarType.Float16);
        Assert.All(tower.Transformer.parameters(), p => Assert.Equal(ScalarType.Float16, p.dtype));
        Assert.All(tower.Transformer.parameters(), p => Assert.False(p.requires_grad));
    }

    [Fact]
    public void Missing_and_misshaped_weights_are_listed_in_one_error()
    {
        string directory = TemporaryDirectory();
        try
        {
            string source = Fixtures.Path("clip-vit-tiny-patch14-336");
            File.Copy(Path.Combine(source, "config.json"), Path.Combine(directory, "config.json"));
            using (var scope = NewDisposeScope())
            using (var checkpoint = SafetensorsCheckpoint.Open(source))
            {
                var kept = checkpoint.Names
                    .Where(n => n.StartsWith("vision_model.", StringComparison.Ordinal) && n != "vision_model.embeddings.position_ids")
                    .Where(n => n is not ("vision_model.embeddings.class_embedding" or "vision_model.encoder.layers.1.mlp.fc2.bias"))
                    .Order(StringComparer.Ordinal)
                    .Select(n => (n, n == "vision_model.encoder.layers.2.self_attn.k_proj.weight" ? zeros(64, 32) : checkpoint.Read(n)))
                    .ToList();
                TestSafetensorsWriter.Write(Path.Combine(directory, "model.safetensors"), kept);
            }

            var error = Assert.Throws<InvalidDataException>(() => VisionTower.Load(directory));
            Assert.Contains(directory, error.Message);
            Assert.Contains("3 weight(s)", error.Message);
            Assert.Contains("vision_model.embeddings.class_embedding: missing (expected [64])", error.Message);
            Assert.Contains("vision_model.encoder.layers.1.mlp.fc2.bias: missing (expected [64])", error.Message);
            Assert.Contains("vision_model.encoder.layers.2.self_attn.k_proj.weight: shape [64, 32], expected [64, 64]", error.Message);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void A_config_without_a_tower_is_rejected_naming_the_file()
    {
        var error = Assert.Throws<InvalidDataException>(() => VisionTower.Load(Fixtures.Path("qwen2-tiny")));
        Assert.Contains(Path.Combine("qwen2-tiny", "config.json"), error.Message);
        Assert.Contains("qwen2", error.Message);
    }

    [Fact]
    public void Weights_without_a_tower_are_rejected_naming_the_prefixes()
    {
        string directory = TemporaryDirectory();
        try
        {
            File.Copy(Fixtures.Path("clip-vit-tiny-patch14-336", "config.json"), Path.Combine(directory, "config.json"));
            using (var projection = zeros(32, 32))
            {
                TestSafetensorsWriter.Write(Path.Combine(directory, "model.safetensors"), [("text_projection.weight", projection)]);
            }

            var error = Assert.Throws<InvalidDataException>(() => VisionTower.Load(directory));
            Assert.Contains(directory, error.Message);
            Assert.Contains("'vision_tower.vision_model.embeddings.'", error.Message);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void A_non_float_dtype_is_rejected()
    {
        var error = Assert.Throws<ArgumentException>(() => VisionTower.Load(Fixtures.Path("clip-vit-tiny-patch14-336"), ScalarType.Int64));
        Assert.Contains("Int64", error.Message);
    }

    [Fact]
    public void Caller_selection_overrides_the_config()
    {
        using var tower = VisionTower.Load(Fixtures.Path("llava-1.5-tiny-hf"),
            selection: new VisionFeatureSelection(-1, VisionFeatureSelectStrategy.Full));
        Assert.Equal(4, tower.FeatureHiddenStateIndex);
        Assert.Equal(577, tower.VanillaTokenCount);
        Assert.Throws<ArgumentOutOfRangeException>(() => VisionTower.Load(Fixtures.Path("llava-1.5-tiny-hf"),
            selection: new VisionFeatureSelection(-7, VisionFeatureSelectStrategy.Full)));
    }

    [Fact]
    public void Random_tower_has_the_requested_geometry()
    {
        var config = VisionConfig.ClipDefaults with { HiddenSize = 32, IntermediateSize = 64, NumHiddenLayers = 2, NumAttentionHeads = 2, ImageSize = 28, PatchSize = 14 };
        using var tower = VisionTower.CreateRandom(config, seed: 3);
        using var scope = NewDisposeScope();
        var pixels = randn(2, 3, 28, 28);
        Assert.Equal([2L, 4, 32], tower.EncodeVanilla(pixels).shape);
        using var zipped = tower.ZipWith(pixels, new ZipBudget(2, 1));
        Assert.Equal([2L, 3, 32], zipped.Tokens.shape);
    }

    private static string TemporaryDirectory()
    {
        string directory = Path.Combine(Path.GetTempPath(), "visionzip-vision-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        return directory;
    }
}
