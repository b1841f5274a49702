using System.Text.Json;
using VisionZip.Models.Language;
using VisionZip.Runtime;
using VisionZip.Tests.Support;

namespace VisionZip.Tests.Language;

public class DecoderConfigTests
{
    public DecoderConfigTests() => TorchRuntime.EnsureLoaded();

    [Theory]
    [InlineData("llama-tiny")]
    [InlineData("qwen2-tiny")]
    public void Decoder_config_matches_the_resolved_config(string folder)
    {
        var config = DecoderConfig.FromFile(Fixtures.Path(folder, "config.json"));
        using var golden = JsonDocument.Parse(File.ReadAllText(Fixtures.Path(folder, "golden.json")));
        AssertResolved(golden.RootElement.GetProperty("config_resolved"), config);
    }

    [Theory]
    [InlineData("llava-1.5-tiny-hf")]
    [InlineData("llava-next-tiny-patch14-112-hf")]
    [InlineData("llava-interleave-qwen-tiny-hf")]
    public void Llava_text_config_matches_the_resolved_text_config(string folder)
    {
        using var file = JsonDocument.Parse(File.ReadAllText(Fixtures.Path(folder, "config.json")));
        var config = DecoderConfig.FromJson(file.RootElement.GetProperty("text_config"), $"{folder}/config.json -> text_config");
        using var golden = JsonDocument.Parse(File.ReadAllText(Fixtures.Path(folder, "golden.json")));
        AssertResolved(golden.RootElement.GetProperty("config_resolved").GetProperty("text"), config);
    }

    [Fact]
    public void Sparse_llava_15_7b_text_config_gets_llama_defaults()
    {
        // text_config of llava-hf/llava-1.5-7b-hf as the hub ships it.
        var config = DecoderConfig.Parse("""
            { "_name_or_path": "lmsys/vicuna-7b-v1.5", "architectures": ["LlamaForCausalLM"], "max_position_embeddings": 4096,
              "model_type": "llama", "rms_norm_eps": 1e-05, "torch_dtype": "float16", "vocab_size": 32064 }
            """);
        Assert.Equal(("llama", 4096, 11008, 32, 32, 32, 128), (config.ModelType, config.HiddenSize, config.IntermediateSize,
            config.NumHiddenLayers, config.NumAttentionHeads, config.NumKeyValueHeads, config.HeadDim));
        Assert.Equal((32064, 4096, 1e-5, 10000.0), (config.VocabSize, config.MaxPositionEmbeddings, config.RmsNormEps, config.RopeTheta));
        Assert.False(config.TieWordEmbeddings);
        Assert.False(config.QkvBias || config.OutputBias || config.MlpBias);
        Assert.Null(config.RopeScaling);
        Assert.Equal([2], config.EosTokenIds);
        Assert.Equal("float16", config.TorchDtype);
    }

    [Fact]
    public void Sparse_llava_next_mistral_text_config_gets_mistral_defaults()
    {
        // text_config of llava-hf/llava-v1.6-mistral-7b-hf as the hub ships it.
        var config = DecoderConfig.Parse("""
            { "architectures": ["MistralForCausalLM"], "intermediate_size": 14336, "max_position_embeddings": 32768,
              "model_type": "mistral", "num_key_value_heads": 8, "rms_norm_eps": 1e-05, "rope_theta": 1000000.0,
              "sliding_window": null, "torch_dtype": "bfloat16", "vocab_size": 32064 }
            """);
        Assert.Equal(("mistral", 4096, 14336, 32, 32, 8, 128), (config.ModelType, config.HiddenSize, config.IntermediateSize,
            config.NumHiddenLayers, config.NumAttentionHeads, config.NumKeyValueHeads, config.HeadDim));
        Assert.Equal((32768, 1e6), (config.MaxPositionEmbeddings, config.RopeTheta));
        Assert.Null(config.SlidingWindow);
        Assert.False(config.QkvBias || config.OutputBias || config.MlpBias);
    }

    [Fact]
    public void Mistral_without_sliding_window_field_uses_the_class_default()
    {
        var config = DecoderConfig.Parse("""{ "model_type": "mistral" }""");
        Assert.Equal(4096, config.SlidingWindow);
        Assert.Equal(4096, config.SlidingWindowForLayer(0));
        Assert.Equal(131072, config.MaxPositionEmbeddings);
    }

    [Fact]
    public void Qwen2_defaults_have_qkv_bias_and_no_window()
    {
        var config = DecoderConfig.Parse("""{ "model_type": "qwen2", "sliding_window": 4096 }""");
        Assert.True(config.QkvBias);
        Assert.False(config.OutputBias);
        Assert.Null(config.SlidingWindowForLayer(31));
        Assert.Equal((151936, 22016, 32, 32768), (config.VocabSize, config.IntermediateSize, config.NumKeyValueHeads, config.MaxPositionEmbeddings));
        Assert.Empty(config.EosTokenIds);
    }

    [Fact]
    public void Qwen2_sliding_window_applies_from_max_window_layers()
    {
        var config = DecoderConfig.Parse("""{ "model_type": "qwen2", "use_sliding_window": true, "sliding_window": 64, "max_window_layers": 2 }""");
        Assert.Null(config.SlidingWindowForLayer(1));
        Assert.Equal(64, config.SlidingWindowForLayer(2));
    }

    [Fact]
    public void Missing_model_type_means_llama_and_eos_may_be_a_list()
    {
        var config = DecoderConfig.Parse("""{ "hidden_size": 64, "num_attention_heads": 4, "eos_token_id": [128001, 128009] }""");
        Assert.Equal("llama", config.ModelType);
        Assert.Equal(16, config.HeadDim);
        Assert.Equal([128001, 128009], config.EosTokenIds);
    }

    [Fact]
    public void Llama_attention_bias_covers_all_four_projections()
    {
        var config = DecoderConfig.Parse("""{ "attention_bias": true, "mlp_bias": true }""");
        Assert.True(config.QkvBias && config.OutputBias && config.MlpBias);
    }

    [Fact]
    public void Transformers_v5_rope_parameters_are_read()
    {
        var config = DecoderConfig.Parse("""
            { "rope_parameters": { "rope_type": "llama3", "rope_theta": 500000.0, "factor": 8.0, "low_freq_factor": 1.0,
              "high_freq_factor": 4.0, "original_max_position_embeddings": 8192 } }
            """);
        Assert.Equal(500000.0, config.RopeTheta);
        Assert.Equal(new RopeScaling("llama3", 8, 1, 4, 8192), config.RopeScaling);
    }

    [Fact]
    public void Heads_not_divisible_by_kv_heads_is_an_error_naming_both()
    {
        var error = Assert.Throws<InvalidDataException>(() =>
            DecoderConfig.Parse("""{ "num_attention_heads": 6, "num_key_value_heads": 4 }""", "bad/config.json"));
        Assert.Contains("bad/config.json", error.Message);
        Assert.Contains("num_key_value_heads (4)", error.Message);
        Assert.Contains("num_attention_heads (6)", error.Message);
    }

    [Fact]
    public void Wrong_field_type_is_an_error_naming_the_field()
    {
        var error = Assert.Throws<InvalidDataException>(() => DecoderConfig.Parse("""{ "hidden_size": "big" }""", "x.json"));
        Assert.Contains("'hidden_size'", error.Message);
        Assert.Contains("x.json", error.Message);
    }

    [Fact]
    public void Unsupported_rope_type_and_model_type_are_not_supported()
    {
        Assert.Contains("yarn", Assert.Throws<NotSupportedException>(() =>
            DecoderConfig.Parse("""{ "rope_scaling": { "rope_type": "yarn", "factor": 4.0 } }""")).Message);
        Assert.Contains("gemma", Assert.Throws<NotSupportedException>(() => DecoderConfig.Parse("""{ "model_type": "gemma" }""")).Message);
    }

    [Fact]
    public void Llama3_rope_scaling_without_its_fields_is_an_error()
    {
        var error = Assert.Throws<InvalidDataException>(() =>
            DecoderConfig.Parse("""{ "rope_scaling": { "rope_type": "llama3", "factor": 8.0 } }"""));
        Assert.Contains("original_max_position_embeddings", error.Message);
    }

    [Fact]
    public void Missing_file_is_file_not_found()
    {
        Assert.Throws<FileNotFoundException>(() => DecoderConfig.FromFile(Fixtures.Path("no-such-model", "config.json")));
    }

    private static void AssertResolved(JsonElement resolved, DecoderConfig config)
    {
        Assert.Equal(resolved.GetProperty("model_type").GetString(), config.ModelType);
        Assert.Equal(resolved.GetProperty("vocab_size").GetInt32(), config.VocabSize);
        Assert.Equal(resolved.GetProperty("hidden_size").GetInt32(), config.HiddenSize);
        Assert.Equal(resolved.GetProperty("intermediate_size").GetInt32(), config.IntermediateSize);
        Assert.Equal(resolved.GetProperty("num_hidden_layers").GetInt32(), config.NumHiddenLayers);
        Assert.Equal(resolved.GetProperty("num_attention_heads").GetInt32(), config.NumAttentionHeads);
        Assert.Equal(resolved.GetProperty("num_key_value_heads").GetInt32(), config.NumKeyValueHeads);
        Assert.Equal(resolved.GetProperty("head_dim").GetInt32(), config.HeadDim);
        Assert.Equal(resolved.GetProperty("max_position_embeddings").GetInt32(), config.MaxPositionEmbeddings);
        Assert.Equal(resolved.GetProperty("rms_norm_eps").GetDouble(), config.RmsNormEps);
        Assert.Equal(resolved.GetProperty("rope_theta").GetDouble(), config.RopeTheta);
        Assert.Equal(resolved.GetProperty("tie_word_embeddings").GetBoolean(), config.TieWordEmbeddings);
        Assert.Equal(resolved.GetProperty("hidden_act").GetString(), config.HiddenAct);
        Assert.Equal(resolved.GetProperty("bos_token_id").GetInt32(), config.BosTokenId);
        Assert.Equal([resolved.GetProperty("eos_token_id").GetInt32()], config.EosTokenIds);
        if (resolved.TryGetProperty("rope_scaling", out var scaling) && scaling.ValueKind == JsonValueKind.Object)
        {
            Assert.Equal(new RopeScaling(scaling.GetProperty("rope_type").GetString()!, scaling.GetProperty("factor").GetDouble(),
                scaling.GetProperty("low_freq_factor").GetDouble(), scaling.GetProperty("high_freq_factor").GetDouble(),
                scaling.GetProperty("original_max_position_embeddings").GetInt32()), config.RopeScaling);
        }
        else
        {
            Assert.Null(config.RopeScaling);
        }

        if (resolved.TryGetProperty("sliding_window", out var window) && config.ModelType == "mistral")
        {
            Assert.Equal(window.ValueKind == JsonValueKind.Null ? null : window.GetInt32(), config.SlidingWindow);
        }
    }
}
