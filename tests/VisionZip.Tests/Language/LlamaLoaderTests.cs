using VisionZip.Models.IO;
using VisionZip.Models.Language;
using VisionZip.Runtime;
using VisionZip.Tests.Support;
using static TorchSharp.torch;

namespace VisionZip.Tests.Language;

public class LlamaLoaderTests
{
    public LlamaLoaderTests() => TorchRuntime.EnsureLoaded();

    [Fact]
    public void Parameter_names_follow_hugging_face_and_match_the_checkpoint()
    {
        using var model = LlamaForCausalLM.Load(Fixtures.Path("llama-tiny"));
        using var checkpoint = SafetensorsCheckpoint.Open(Fixtures.Path("llama-tiny"));
        var names = model.named_parameters().Select(p => p.name).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(checkpoint.Names.Order(StringComparer.Ordinal), names);
        Assert.Contains("model.layers.2.self_attn.k_proj.weight", names);
        Assert.Contains("lm_head.weight", names);
    }

    [Fact]
    public void Tied_model_has_no_lm_head_and_qwen2_has_qkv_bias_only()
    {
        using var model = LlamaForCausalLM.Load(Fixtures.Path("qwen2-tiny"));
        var names = model.named_parameters().Select(p => p.name).ToHashSet();
        Assert.DoesNotContain("lm_head.weight", names);
        Assert.Contains("model.layers.0.self_attn.q_proj.bias", names);
        Assert.Contains("model.layers.0.self_attn.v_proj.bias", names);
        Assert.DoesNotContain("model.layers.0.self_attn.o_proj.bias", names);
        Assert.Equal(LlamaForCausalLM.ExpectedWeights(model.Config).Keys.Order(), names.Order());
    }

    [Fact]
    public void Missing_and_misshaped_weights_are_listed_in_one_exception()
    {
        using var checkpoint = SafetensorsCheckpoint.Open(Fixtures.Path("llama-tiny"));
        var config = DecoderConfig.FromFile(Fixtures.Path("llama-tiny", "config.json")) with { NumHiddenLayers = 4, IntermediateSize = 100 };
        var error = Assert.Throws<InvalidDataException>(() => LlamaForCausalLM.Load(checkpoint, config, "model.", "lm_head.weight"));
        Assert.Contains(checkpoint.Source, error.Message);
        Assert.Contains("missing 'model.layers.3.self_attn.q_proj.weight' (expected [64, 64])", error.Message);
        Assert.Contains("'model.layers.0.mlp.gate_proj.weight' has shape [176, 64], expected [100, 64]", error.Message);
        Assert.Contains("'model.layers.2.mlp.down_proj.weight' has shape [64, 176], expected [64, 100]", error.Message);
    }

    [Fact]
    public void Wrong_prefix_says_no_tensor_has_it()
    {
        using var checkpoint = SafetensorsCheckpoint.Open(Fixtures.Path("llama-tiny"));
        var config = DecoderConfig.FromFile(Fixtures.Path("llama-tiny", "config.json"));
        var error = Assert.Throws<InvalidDataException>(() =>
            LlamaForCausalLM.Load(checkpoint, config, "language_model.model.", "language_model.lm_head.weight"));
        Assert.Contains("no tensor name starts with 'language_model.model.'", error.Message);
        Assert.Contains("missing 'language_model.lm_head.weight'", error.Message);
    }

    [Fact]
    public void Untied_config_on_a_tied_checkpoint_reports_the_missing_head()
    {
        using var checkpoint = SafetensorsCheckpoint.Open(Fixtures.Path("qwen2-tiny"));
        var config = DecoderConfig.FromFile(Fixtures.Path("qwen2-tiny", "config.json")) with { TieWordEmbeddings = false };
        var error = Assert.Throws<InvalidDataException>(() => LlamaForCausalLM.Load(checkpoint, config, "model.", "lm_head.weight"));
        Assert.Contains("missing 'lm_head.weight' (expected [448, 64])", error.Message);
    }

    [Fact]
    public void Unsupported_dtype_is_rejected()
    {
        var error = Assert.Throws<ArgumentException>(() => LlamaForCausalLM.Load(Fixtures.Path("llama-tiny"), ScalarType.Float64));
        Assert.Equal("dtype", error.ParamName);
    }

    [Theory]
    [InlineData("llama-tiny", ScalarType.Float16)]
    [InlineData("qwen2-tiny", ScalarType.BFloat16)]
    public void Half_precision_models_run_and_stay_near_float32(string folder, ScalarType dtype)
    {
        using var reference = LlamaForCausalLM.Load(Fixtures.Path(folder));
        using var model = LlamaForCausalLM.Load(Fixtures.Path(folder), dtype);
        using var golden = SafetensorsFile.Open(Fixtures.Path(folder, "golden.safetensors"));
        using var scope = NewDisposeScope();
        Assert.All(model.parameters(), p => Assert.Equal(dtype, p.dtype));
        var inputIds = golden.Read("input_ids");
        var expected = reference.Forward(inputIds);
        var actual = model.Forward(inputIds);
        Assert.Equal(ScalarType.Float32, actual.dtype);
        // A sanity bound for half-precision compute, not a parity tolerance.
        double scale = expected.abs().max().item<float>();
        double difference = (actual - expected).abs().max().item<float>();
        Assert.True(difference < 0.05 * scale, $"{dtype}: max |diff| {difference} vs max |logit| {scale}");
    }

    [Fact]
    public void Disposing_the_model_frees_every_tensor()
    {
        long before = TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        var model = LlamaForCausalLM.Load(Fixtures.Path("qwen2-tiny"));
        Assert.True(TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount > before);
        model.Dispose();
        Assert.Equal(before, TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }
}
