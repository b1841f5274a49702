using VisionZip.Models.Language;
using VisionZip.Runtime;
using VisionZip.Tests.Support;
using static TorchSharp.torch;

namespace VisionZip.Tests.Language;

/// <summary>
/// A bfloat16 decoder fed one token at a time (every projection through the bf16 matrix-vector kernel) against the
/// same prompt in one call (torch's bf16 matmul), and the float32 goldens.
/// </summary>
public sealed class SingleTokenDecodeTests
{
    public SingleTokenDecodeTests() => TorchRuntime.EnsureLoaded();

    [Theory]
    [InlineData("llama-tiny")]
    [InlineData("qwen2-tiny")]
    public void BFloat16_token_by_token_matches_the_whole_prompt_and_the_float32_goldens(string folder)
    {
        using var fixture = new DecoderFixture(folder);
        using var model = LlamaForCausalLM.Load(Fixtures.Path(folder), ScalarType.BFloat16);
        using var scope = NewDisposeScope();
        var inputIds = fixture.Read("input_ids");
        var whole = model.Forward(inputIds, logits: LogitsSelection.AllPositions);
        using var cache = model.CreateCache(checked((int)inputIds.shape[1]));
        var steps = new List<Tensor>();
        for (int position = 0; position < inputIds.shape[1]; position++)
        {
            steps.Add(model.Forward(inputIds.narrow(1, position, 1), cache));
        }

        var stepwise = stack(steps, 1);
        // Both paths round every activation to bf16 (8 significant bits) but sum in different orders: allow a few
        // bf16 ulps of the largest logit, and check both stay near the float32 goldens by the same measure.
        TensorAssert.Close(whole, stepwise, $"{folder} bf16 token by token vs whole prompt", relative: 2e-2);
        TensorAssert.Close(fixture.Read("logits"), stepwise, $"{folder} bf16 token by token vs float32 goldens", relative: 4e-2);
        TensorAssert.Equal(whole.argmax(-1), stepwise.argmax(-1), $"{folder} bf16 argmax per position");
    }
}
