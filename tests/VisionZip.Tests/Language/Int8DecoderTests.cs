using VisionZip.Models.Language;
using VisionZip.Runtime;
using VisionZip.Tests.Support;
using static TorchSharp.torch;

namespace VisionZip.Tests.Language;

/// <summary>
/// Weight-only int8 decoders against the float32 goldens of the decoder fixtures: what is stored, and how close the
/// logits and greedy tokens stay (the accuracy reported in docs/benchmarks-decode.md).
/// </summary>
public sealed class Int8DecoderTests
{
    public Int8DecoderTests() => TorchRuntime.EnsureLoaded();

    [Theory]
    [InlineData("llama-tiny")]
    [InlineData("qwen2-tiny")]
    public void Projections_are_int8_with_a_scale_per_output_channel(string folder)
    {
        using var model = LlamaForCausalLM.Load(Fixtures.Path(folder), ScalarType.Float32, null, WeightQuantization.Int8);
        Assert.Equal(WeightQuantization.Int8, model.Quantization);
        var buffers = model.named_buffers().ToDictionary(b => b.name, b => b.buffer);
        var qProj = buffers["model.layers.0.self_attn.q_proj.weight"];
        Assert.Equal(ScalarType.Int8, qProj.dtype);
        Assert.Equal(new[] { qProj.shape[0] }, buffers["model.layers.0.self_attn.q_proj.weight_scale"].shape);
        Assert.DoesNotContain(model.named_parameters(), p => p.name.EndsWith("proj.weight", StringComparison.Ordinal));
        Assert.Equal(model.Config.TieWordEmbeddings, !buffers.ContainsKey("lm_head.weight"));
    }

    [Theory]
    [InlineData("llama-tiny")]
    [InlineData("qwen2-tiny")]
    public void Int8_logits_stay_close_to_float32_and_greedy_tokens_agree(string folder)
    {
        using var fixture = new DecoderFixture(folder);
        using var model = LlamaForCausalLM.Load(Fixtures.Path(folder), ScalarType.Float32, null, WeightQuantization.Int8);
        using var scope = NewDisposeScope();

        // Prefill (dequantised weights through torch) over the whole prompt.
        var logits = model.Forward(fixture.Read("input_ids"), logits: LogitsSelection.AllPositions);
        double prefillCosine = Cosine(fixture.Read("logits"), logits);
        Assert.True(prefillCosine > 0.999, $"{folder}: prefill logit cosine {prefillCosine:F6}");

        // Greedy decoding (the int8 kernel, one token a step) fed the golden tokens, so every step is compared.
        var golden = fixture.Read("greedy_tokens");
        using var cache = model.CreateCache();
        var step = model.Forward(fixture.Read("input_ids"), cache);
        var stepLogits = new List<Tensor>();
        for (int i = 0; i < golden.shape[1]; i++)
        {
            stepLogits.Add(step);
            if (i + 1 < golden.shape[1])
            {
                step = model.Forward(golden.narrow(1, i, 1), cache);
            }
        }

        var decoded = stack(stepLogits, 1); // [B, steps, V]
        double decodeCosine = Cosine(fixture.Read("greedy_logits"), decoded);
        double agreement = decoded.argmax(-1).eq(golden).to(ScalarType.Float64).mean().item<double>();
        Assert.True(decodeCosine > 0.999, $"{folder}: decode logit cosine {decodeCosine:F6}");
        Assert.True(agreement >= 0.9, $"{folder}: greedy agreement {agreement:P1}");
    }

    [Fact]
    public void Int8_prefill_and_int8_decode_give_the_same_logits()
    {
        using var fixture = new DecoderFixture("llama-tiny");
        using var model = LlamaForCausalLM.Load(Fixtures.Path("llama-tiny"), ScalarType.Float32, null, WeightQuantization.Int8);
        using var scope = NewDisposeScope();
        var inputIds = fixture.Read("input_ids");
        var whole = model.Forward(inputIds, logits: LogitsSelection.AllPositions); // dequantised torch path
        using var cache = model.CreateCache();
        var steps = new List<Tensor>();
        for (int position = 0; position < inputIds.shape[1]; position++)
        {
            steps.Add(model.Forward(inputIds.narrow(1, position, 1), cache)); // the int8 kernel
        }

        TensorAssert.Close(whole, stack(steps, 1), "int8 token-by-token vs whole prompt");
    }

    private static double Cosine(Tensor expected, Tensor actual)
    {
        var a = expected.to(ScalarType.Float64).flatten();
        var b = actual.to(ScalarType.Float64).flatten();
        return (a.dot(b) / (a.norm() * b.norm())).item<double>();
    }
}
