using System.Text.Json;
using VisionZip.Models.IO;
using VisionZip.Tests.Support;
using static TorchSharp.torch;

namespace VisionZip.Tests.Generality;

/// <summary>The variant writer itself: names, shards, index, dtypes and values of what it writes.</summary>
public sealed class CheckpointVariantTests : IDisposable
{
    private readonly ScratchDirectory _scratch = new();

    [Theory]
    [InlineData("language_model.model.layers.0.mlp.up_proj.weight", "model.language_model.layers.0.mlp.up_proj.weight")]
    [InlineData("language_model.lm_head.weight", "lm_head.weight")]
    [InlineData("vision_tower.vision_model.embeddings.class_embedding", "model.vision_tower.vision_model.embeddings.class_embedding")]
    [InlineData("multi_modal_projector.linear_2.bias", "model.multi_modal_projector.linear_2.bias")]
    [InlineData("image_newline", "model.image_newline")]
    public void Spellings_map_both_ways(string legacy, string newer)
    {
        Assert.Equal(LlavaSpelling.Legacy, LlavaTensorSpelling.SpellingOf(legacy));
        Assert.Equal(LlavaSpelling.Newer, LlavaTensorSpelling.SpellingOf(newer));
        Assert.Equal(newer, LlavaTensorSpelling.Respell(legacy, LlavaSpelling.Newer));
        Assert.Equal(legacy, LlavaTensorSpelling.Respell(newer, LlavaSpelling.Legacy));
        Assert.Equal(legacy, LlavaTensorSpelling.Respell(legacy, LlavaSpelling.Legacy));
    }

    [Fact]
    public void Respelled_three_shard_bf16_copy_holds_the_same_values()
    {
        string source = Fixtures.Path("llava-1.5-tiny-hf");
        string target = CheckpointVariant.Write(source, _scratch.Sub("v"),
            new VariantOptions(LlavaSpelling.Newer, Shards: 3, StorageType: ScalarType.BFloat16));

        string[] shards = Directory.GetFiles(target, "*.safetensors").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray()!;
        Assert.Equal(["model-00001-of-00003.safetensors", "model-00002-of-00003.safetensors", "model-00003-of-00003.safetensors"], shards);
        Assert.True(File.Exists(Path.Combine(target, "tokenizer.model")));
        Assert.False(File.Exists(Path.Combine(target, "golden.safetensors")));
        using (var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(target, "config.json"))))
        {
            Assert.Equal("bfloat16", config.RootElement.GetProperty("torch_dtype").GetString());
        }

        using var original = SafetensorsCheckpoint.Open(source);
        using var variant = SafetensorsCheckpoint.Open(target);
        Assert.Equal(3, variant.Files.Count);
        Assert.All(variant.Files, f => Assert.NotEmpty(f.Tensors));
        Assert.Equal(["BF16"], CheckpointVariant.StoredTypes(target));
        var expectedNames = original.Names.Select(n => LlavaTensorSpelling.Respell(n, LlavaSpelling.Newer)).Order(StringComparer.Ordinal);
        Assert.Equal(expectedNames, variant.Names.Order(StringComparer.Ordinal));
        Assert.Contains("lm_head.weight", variant.Names);
        Assert.Contains("model.vision_tower.vision_model.pre_layrnorm.weight", variant.Names);

        foreach (string name in original.Names)
        {
            using var scope = NewDisposeScope();
            var expected = original.Read(name).to(ScalarType.BFloat16);
            BitExact.Equal(expected, variant.Read(LlavaTensorSpelling.Respell(name, LlavaSpelling.Newer)), name);
        }
    }

    [Fact]
    public void Single_file_copy_has_no_index_and_keeps_non_float_tensors()
    {
        string source = Fixtures.Path("clip-vit-tiny-patch14-336");
        string target = CheckpointVariant.Write(source, _scratch.Sub("v"),
            new VariantOptions(Shards: 1, StorageType: ScalarType.Float16));

        Assert.Equal(["model.safetensors"], Directory.GetFiles(target, "*.safetensors").Select(Path.GetFileName));
        Assert.False(File.Exists(Path.Combine(target, SafetensorsCheckpoint.IndexFileName)));
        Assert.Equal(["F16", "I64"], CheckpointVariant.StoredTypes(target)); // position_ids stays int64
    }

    [Fact]
    public void Rounded_twin_is_stored_as_source_with_rounded_values()
    {
        string source = Fixtures.Path("qwen2-tiny"); // BF16 source
        string target = CheckpointVariant.Write(source, _scratch.Sub("v"),
            new VariantOptions(Shards: 2, StorageType: ScalarType.Float32, RoundThrough: ScalarType.Float16));

        Assert.Equal(["F32"], CheckpointVariant.StoredTypes(target));
        using var original = SafetensorsCheckpoint.Open(source);
        using var variant = SafetensorsCheckpoint.Open(target);
        Assert.Equal(2, variant.Files.Count);
        using var scope = NewDisposeScope();
        const string name = "model.embed_tokens.weight";
        BitExact.Equal(original.Read(name).to(ScalarType.Float16).to(ScalarType.Float32), variant.Read(name), name);
        Assert.False(original.Read(name, ScalarType.Float32).eq(variant.Read(name)).all().item<bool>(), "rounding through F16 should change some BF16 value");
    }

    public void Dispose() => _scratch.Dispose();
}
