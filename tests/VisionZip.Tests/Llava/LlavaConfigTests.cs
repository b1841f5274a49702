using System.Text.Json.Nodes;
using VisionZip.Models.Llava;
using VisionZip.Models.Vision;
using VisionZip.Tests.Support;

namespace VisionZip.Tests.Llava;

public class LlavaConfigTests
{
    // config.json of llava-hf/llava-1.5-7b-hf as the hub ships it (sparse).
    private const string Llava15Hub = """
        {
          "architectures": ["LlavaForConditionalGeneration"], "ignore_index": -100, "image_token_index": 32000,
          "model_type": "llava", "pad_token_id": 32001, "projector_hidden_act": "gelu",
          "text_config": { "_name_or_path": "lmsys/vicuna-7b-v1.5", "architectures": ["LlamaForCausalLM"],
            "max_position_embeddings": 4096, "model_type": "llama", "rms_norm_eps": 1e-05, "torch_dtype": "float16",
            "vocab_size": 32064 },
          "tie_word_embeddings": false, "torch_dtype": "float16", "transformers_version": "4.36.0.dev0",
          "vision_config": { "hidden_size": 1024, "image_size": 336, "intermediate_size": 4096,
            "model_type": "clip_vision_model", "num_attention_heads": 16, "num_hidden_layers": 24, "patch_size": 14,
            "projection_dim": 768, "vocab_size": 32000 },
          "vision_feature_layer": -2, "vision_feature_select_strategy": "default", "vocab_size": 32064
        }
        """;

    [Theory]
    [InlineData("llava-1.5-tiny-hf")]
    [InlineData("llava-interleave-qwen-tiny-hf")]
    [InlineData("llava-next-tiny-patch14-112-hf")]
    public void Top_level_fields_match_config_resolved(string folder)
    {
        var config = LlavaConfig.Load(Fixtures.Path(folder));
        var resolved = GoldenConfig(folder);

        Assert.Equal((string)resolved["model_type"]!, config.ModelType);
        Assert.Equal((long)resolved["image_token_index"]!, config.ImageTokenIndex);
        Assert.Equal((string)resolved["projector_hidden_act"]!, config.ProjectorHiddenAct);
        Assert.Equal((string)resolved["vision_feature_select_strategy"]!, config.VisionFeatureSelectStrategy);
        Assert.Equal((int)resolved["vision_feature_layer"]!, config.VisionFeatureLayer);
        Assert.Equal((int)resolved["image_seq_length"]!, config.ImageSeqLength);
        Assert.Equal((bool)resolved["multimodal_projector_bias"]!, config.MultimodalProjectorBias);
        Assert.Equal((long)resolved["ignore_index"]!, config.IgnoreIndex);
        Assert.Equal((bool)resolved["tie_word_embeddings"]!, config.TieWordEmbeddings);
        Assert.Equal((string)resolved["text"]!["model_type"]!, config.TextModelType);
        Assert.Equal((string)resolved["vision"]!["model_type"]!, config.VisionModelType);
        Assert.Equal((bool)resolved["text"]!["tie_word_embeddings"]!, (bool)config.TextConfigJson()["tie_word_embeddings"]!);
    }

    [Theory]
    [InlineData("llava-1.5-tiny-hf")]
    [InlineData("llava-interleave-qwen-tiny-hf")]
    [InlineData("llava-next-tiny-patch14-112-hf")]
    public void Text_config_resolves_to_config_resolved_text(string folder)
    {
        var text = LlavaConfig.Load(Fixtures.Path(folder)).ResolveTextConfig();
        var resolved = GoldenConfig(folder)["text"]!;

        Assert.Equal((string)resolved["model_type"]!, text.ModelType);
        Assert.Equal((int)resolved["vocab_size"]!, text.VocabSize);
        Assert.Equal((int)resolved["hidden_size"]!, text.HiddenSize);
        Assert.Equal((int)resolved["intermediate_size"]!, text.IntermediateSize);
        Assert.Equal((int)resolved["num_hidden_layers"]!, text.NumHiddenLayers);
        Assert.Equal((int)resolved["num_attention_heads"]!, text.NumAttentionHeads);
        Assert.Equal((int)resolved["num_key_value_heads"]!, text.NumKeyValueHeads);
        Assert.Equal((int)resolved["head_dim"]!, text.HeadDim);
        Assert.Equal((int)resolved["max_position_embeddings"]!, text.MaxPositionEmbeddings);
        Assert.Equal((double)resolved["rms_norm_eps"]!, text.RmsNormEps);
        Assert.Equal((double)resolved["rope_theta"]!, text.RopeTheta);
        Assert.Equal((bool)resolved["tie_word_embeddings"]!, text.TieWordEmbeddings);
    }

    [Theory]
    [InlineData("llava-1.5-tiny-hf")]
    [InlineData("llava-interleave-qwen-tiny-hf")]
    [InlineData("llava-next-tiny-patch14-112-hf")]
    public void Vision_config_resolves_to_config_resolved_vision(string folder)
    {
        var vision = LlavaConfig.Load(Fixtures.Path(folder)).ResolveVisionConfig();
        var resolved = GoldenConfig(folder)["vision"]!;

        Assert.Equal((int)resolved["hidden_size"]!, vision.HiddenSize);
        Assert.Equal((int)resolved["intermediate_size"]!, vision.IntermediateSize);
        Assert.Equal((int)resolved["num_hidden_layers"]!, vision.NumHiddenLayers);
        Assert.Equal((int)resolved["num_attention_heads"]!, vision.NumAttentionHeads);
        Assert.Equal((int)resolved["image_size"]!, vision.ImageSize);
        Assert.Equal((int)resolved["patch_size"]!, vision.PatchSize);
        Assert.Equal((double)resolved["layer_norm_eps"]!, vision.LayerNormEps);
        Assert.Equal((string)resolved["hidden_act"]!, vision.HiddenAct.ToConfigName());
    }

    [Fact]
    public void Absent_vision_config_resolves_to_clip_vit_large_336()
    {
        var vision = LlavaConfig.Parse("""{ "model_type": "llava" }""").ResolveVisionConfig();

        Assert.Equal(VisionConfig.ClipVitLarge336, vision);
    }

    [Fact]
    public void Hub_llava15_text_config_gets_the_llama_7b_defaults()
    {
        var text = LlavaConfig.Parse(Llava15Hub).ResolveTextConfig();

        Assert.Equal((4096, 11008, 32, 32, 32), (text.HiddenSize, text.IntermediateSize, text.NumHiddenLayers, text.NumAttentionHeads, text.NumKeyValueHeads));
        Assert.Equal((32064, 4096, 1e-5, 10000.0), (text.VocabSize, text.MaxPositionEmbeddings, text.RmsNormEps, text.RopeTheta));
        Assert.False(text.TieWordEmbeddings);
    }

    [Fact]
    public void Interleave_is_a_plain_llava_with_siglip_full_layer_minus_one_and_a_tied_qwen2()
    {
        var config = LlavaConfig.Load(Fixtures.Path("llava-interleave-qwen-tiny-hf"));

        Assert.Equal("llava", config.ModelType);
        Assert.Equal(-1, config.VisionFeatureLayer);
        Assert.False(config.DropsClsToken);
        Assert.True(config.TieWordEmbeddings);
        Assert.Equal("qwen2", config.TextModelType);
        Assert.Equal("siglip_vision_model", config.VisionModelType);
        Assert.Null(config.ImageGridPinpoints);
    }

    [Fact]
    public void Hub_llava15_config_reads_with_llama_text_and_clip_vision()
    {
        var config = LlavaConfig.Parse(Llava15Hub);

        Assert.Equal(32000, config.ImageTokenIndex);
        Assert.Equal(32001, config.PadTokenId);
        Assert.True(config.DropsClsToken);
        Assert.False(config.TieWordEmbeddings);
        Assert.Equal(4096, (int)config.TextConfigJson()["max_position_embeddings"]!);
        Assert.Equal(1024, (int)config.VisionConfigJson()["hidden_size"]!);
    }

    [Fact]
    public void Missing_fields_take_the_transformers_LlavaConfig_defaults()
    {
        var config = LlavaConfig.Parse("""{ "model_type": "llava" }""");

        Assert.Equal(32000, config.ImageTokenIndex);
        Assert.Equal("gelu", config.ProjectorHiddenAct);
        Assert.Equal("default", config.VisionFeatureSelectStrategy);
        Assert.Equal(-2, config.VisionFeatureLayer);
        Assert.Equal(576, config.ImageSeqLength);
        Assert.True(config.MultimodalProjectorBias);
        Assert.Equal(-100, config.IgnoreIndex);
        Assert.Null(config.PadTokenId);
        Assert.False(config.TieWordEmbeddings);
        Assert.Equal("llama", config.TextModelType);
        Assert.Equal("clip_vision_model", config.VisionModelType);

        // CLIP ViT-L/14-336 as LlavaConfig builds it when vision_config is absent.
        var vision = config.VisionConfigJson();
        Assert.Equal(1024, (int)vision["hidden_size"]!);
        Assert.Equal(4096, (int)vision["intermediate_size"]!);
        Assert.Equal(24, (int)vision["num_hidden_layers"]!);
        Assert.Equal(16, (int)vision["num_attention_heads"]!);
        Assert.Equal(336, (int)vision["image_size"]!);
        Assert.Equal(14, (int)vision["patch_size"]!);
        Assert.Equal(768, (int)vision["projection_dim"]!);
    }

    [Fact]
    public void Nested_sections_without_model_type_default_to_llama_and_clip()
    {
        var config = LlavaConfig.Parse("""{ "model_type": "llava", "text_config": { "hidden_size": 8 }, "vision_config": { "hidden_size": 4 } }""");

        Assert.Equal("llama", config.TextModelType);
        Assert.Equal("clip_vision_model", config.VisionModelType);
        Assert.Equal(8, (int)config.TextConfigJson()["hidden_size"]!);
        Assert.Equal(4, (int)config.VisionConfigJson()["hidden_size"]!);
    }

    [Theory]
    [InlineData("""{ "model_type": "llava", "tie_word_embeddings": true }""", true)]
    [InlineData("""{ "model_type": "llava", "tie_word_embeddings": true, "text_config": { "tie_word_embeddings": false } }""", false)]
    [InlineData("""{ "model_type": "llava", "text_config": { "model_type": "qwen2", "tie_word_embeddings": true } }""", true)]
    public void Tie_word_embeddings_prefers_the_text_config(string json, bool tied)
    {
        var config = LlavaConfig.Parse(json);

        Assert.Equal(tied, config.TieWordEmbeddings);
        Assert.Equal(tied, (bool)config.TextConfigJson()["tie_word_embeddings"]!);
    }

    [Fact]
    public void Llava_next_reads_pinpoints_as_height_width()
    {
        var config = LlavaConfig.Load(Fixtures.Path("llava-next-tiny-patch14-112-hf"));

        Assert.Equal("llava_next", config.ModelType);
        Assert.Equal([(112, 224), (224, 112), (224, 224), (336, 112), (112, 336)], config.ImageGridPinpoints!);
        Assert.Equal(LlavaConfig.DefaultImageGridPinpoints, LlavaConfig.Parse("""{ "model_type": "llava_next" }""").ImageGridPinpoints!);
    }

    [Theory]
    [InlineData("""{ "model_type": "clip" }""", "model_type \"clip\"")]
    [InlineData("""{ }""", "'model_type' is missing")]
    [InlineData("""{ "model_type": "llava", "vision_feature_select_strategy": "cls" }""", "\"cls\"")]
    [InlineData("""{ "model_type": "llava", "image_token_index": "32000" }""", "'image_token_index' must be an integer")]
    [InlineData("""{ "model_type": "llava", "text_config": 3 }""", "'text_config' must be an object")]
    [InlineData("""[1, 2]""", "JSON object")]
    [InlineData("""{ "model_type": """, "not valid JSON")]
    public void Bad_configs_are_rejected_naming_the_field(string json, string expected)
    {
        var error = Assert.Throws<InvalidDataException>(() => LlavaConfig.Parse(json, "my/config.json"));

        Assert.Contains("my/config.json", error.Message);
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void Missing_file_names_the_path()
    {
        var error = Assert.Throws<FileNotFoundException>(() => LlavaConfig.Load(Fixtures.Path("images")));

        Assert.Contains("config.json", error.Message);
    }

    private static JsonObject GoldenConfig(string folder) =>
        (JsonObject)JsonNode.Parse(File.ReadAllText(Fixtures.Path(folder, "golden.json")))!["config_resolved"]!;
}
