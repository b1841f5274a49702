using VisionZip.Models.Vision;
using VisionZip.Tests.Support;

namespace VisionZip.Tests.Vision;

/// <summary>transformers config-class defaults for sparse hub configs, and the config errors.</summary>
public sealed class VisionConfigTests
{
    [Fact]
    public void Sparse_standalone_configs_take_the_class_defaults()
    {
        Assert.Equal(VisionConfig.ClipDefaults, VisionConfig.Parse("""{"model_type": "clip_vision_model"}"""));
        Assert.Equal(VisionConfig.SiglipDefaults, VisionConfig.Parse("""{"model_type": "siglip_vision_model"}"""));
        var siglip = VisionConfig.Parse("""{"model_type": "siglip_vision_model", "hidden_size": 1152, "image_size": 384, "patch_size": 14}""");
        Assert.Equal((1152, 27, 729, 1e-6), (siglip.HiddenSize, siglip.PatchesPerSide, siglip.NumPositions, siglip.LayerNormEps));
    }

    [Fact]
    public void Dual_encoder_fixtures_resolve_as_golden_json_says()
    {
        var clip = VisionConfig.Load(Fixtures.Path("clip-vit-tiny-patch14-336"));
        Assert.Equal(VisionConfig.ClipDefaults with
        {
            HiddenSize = 64, IntermediateSize = 256, NumHiddenLayers = 4, NumAttentionHeads = 4, ImageSize = 336, PatchSize = 14,
        }, clip);
        var siglip = VisionConfig.Load(Fixtures.Path("siglip-tiny-patch14-384"));
        Assert.Equal(VisionConfig.SiglipDefaults with
        {
            HiddenSize = 64, IntermediateSize = 160, NumHiddenLayers = 4, NumAttentionHeads = 4, ImageSize = 384, PatchSize = 14,
        }, siglip);
    }

    [Fact]
    public void The_llava_1_5_7b_hub_config_is_clip_large_336()
    {
        const string json = """
            {"architectures": ["LlavaForConditionalGeneration"], "image_token_index": 32000, "model_type": "llava",
             "projector_hidden_act": "gelu", "text_config": {"model_type": "llama", "vocab_size": 32064},
             "vision_config": {"hidden_size": 1024, "image_size": 336, "intermediate_size": 4096, "model_type": "clip_vision_model",
                               "num_attention_heads": 16, "num_hidden_layers": 24, "patch_size": 14, "projection_dim": 768, "vocab_size": 32000},
             "vision_feature_layer": -2, "vision_feature_select_strategy": "default", "vocab_size": 32064}
            """;
        Assert.Equal(VisionConfig.ClipVitLarge336, VisionConfig.Parse(json));
        Assert.Equal(577, VisionConfig.ClipVitLarge336.NumPositions);
    }

    [Fact]
    public void A_llava_config_without_vision_config_gets_the_LlavaConfig_defaults()
    {
        var file = VisionConfigReader.Parse("""{"model_type": "llava"}""", "test");
        Assert.Equal(VisionConfig.ClipVitLarge336, file.Vision);
        Assert.Equal(VisionFeatureSelection.LlavaDefault, file.Selection);
        Assert.Equal(VisionActivation.Gelu, file.ProjectorAct);
        Assert.True(file.ProjectorBias);
    }

    [Fact]
    public void A_llava_onevision_config_defaults_to_siglip_full_minus_one()
    {
        var file = VisionConfigReader.Parse("""{"model_type": "llava_onevision", "vision_config": {"hidden_size": 1152}}""", "test");
        Assert.Equal(VisionArchitecture.Siglip, file.Vision!.Architecture);
        Assert.Equal(new VisionFeatureSelection(-1, VisionFeatureSelectStrategy.Full), file.Selection);
        var absent = VisionConfigReader.Parse("""{"model_type": "llava_onevision"}""", "test").Vision!;
        Assert.Equal((26, 729), (absent.NumHiddenLayers, absent.NumPositions));
    }

    [Fact]
    public void Llava_interleave_fixture_reads_siglip_and_its_selection()
    {
        var file = VisionConfigReader.Read(Fixtures.Path("llava-interleave-qwen-tiny-hf"));
        Assert.Equal(VisionArchitecture.Siglip, file.Vision!.Architecture);
        Assert.Equal(3, file.Vision.NumHiddenLayers);
        Assert.Equal(new VisionFeatureSelection(-1, VisionFeatureSelectStrategy.Full), file.Selection);
        Assert.Equal((64, 96), (file.ProjectorInputSize, file.ProjectorOutputSize));
    }

    [Fact]
    public void Original_llava_config_gives_selection_but_no_tower()
    {
        const string json = """
            {"model_type": "llava_llama", "mm_vision_tower": "openai/clip-vit-large-patch14-336", "mm_projector_type": "mlp2x_gelu",
             "mm_hidden_size": 1024, "hidden_size": 4096, "mm_vision_select_layer": -2, "mm_vision_select_feature": "patch"}
            """;
        var file = VisionConfigReader.Parse(json, "original.json");
        Assert.Equal(VisionFeatureSelection.LlavaDefault, file.Selection);
        Assert.Equal((1024, 4096), (file.ProjectorInputSize, file.ProjectorOutputSize));
        var error = Assert.Throws<InvalidDataException>(() => VisionConfig.Parse(json, "original.json"));
        Assert.Contains("mm_vision_tower", error.Message);
    }

    [Theory]
    [InlineData("""{"model_type": "clip_vision_model", "hidden_act": "relu"}""", "'relu'")]
    [InlineData("""{"model_type": "llava", "vision_config": {"hidden_size": "big"}}""", "'vision_config.hidden_size' must be an integer, got \"big\"")]
    [InlineData("""{"model_type": "llava", "vision_feature_layer": [-2, -5]}""", "a list")]
    [InlineData("""{"model_type": "llava", "vision_feature_select_strategy": "cls"}""", "'cls'")]
    [InlineData("""{"model_type": "clip_vision_model", "hidden_size": 100, "num_attention_heads": 16}""", "not a multiple")]
    [InlineData("""{"model_type": "bert"}""", "'bert'")]
    [InlineData("""not json""", "not valid JSON")]
    public void Bad_configs_are_rejected_naming_the_field(string json, string expected)
    {
        var error = Assert.Throws<InvalidDataException>(() => VisionConfigReader.Parse(json, "bad.json"));
        Assert.Contains("bad.json", error.Message);
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void Feature_layer_indices_follow_hidden_states()
    {
        Assert.Equal(23, new VisionFeatureSelection(-2, VisionFeatureSelectStrategy.Default).ResolveHiddenStateIndex(24));
        Assert.Equal(24, new VisionFeatureSelection(-1, VisionFeatureSelectStrategy.Default).ResolveHiddenStateIndex(24));
        Assert.Equal(0, new VisionFeatureSelection(-25, VisionFeatureSelectStrategy.Default).ResolveHiddenStateIndex(24));
        Assert.Equal(5, new VisionFeatureSelection(5, VisionFeatureSelectStrategy.Default).ResolveHiddenStateIndex(24));
        Assert.Throws<ArgumentOutOfRangeException>(() => new VisionFeatureSelection(25, VisionFeatureSelectStrategy.Default).ResolveHiddenStateIndex(24));
        Assert.Throws<ArgumentOutOfRangeException>(() => new VisionFeatureSelection(-26, VisionFeatureSelectStrategy.Default).ResolveHiddenStateIndex(24));
    }
}
