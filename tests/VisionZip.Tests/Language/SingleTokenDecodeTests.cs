using VisionZip.Models.Language;
using VisionZip.Runtime;
using VisionZip.Tests.Support;
using static TorchSharp.torch;

namespace VisionZip.Tests.Language;

/// <summary>
/// A bfloat16 decoder fed one token at a time (every projection through the bf16 matrix-vector kernel, attention
/// through the decode attention kernel) against the same prompt in one call (torch's bf16 matmul and attention), and
/// the float32 goldens.
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
        // Both paths round every activation to bf16 (8 significant bits) but in different places: the whole prompt
        // through torch's bf16 attention, each step through the float32 decode kernels (matrix-vector and attention
        // over the cache). Both must stay near the float32 goldens, and the steps no further from them than torch's
        // whole-prompt path is, up to bf16 noise (an eighth).
        var goldens = fixture.Read("logits");
        TensorAssert.Close(goldens, whole, $"{folder} bf16 whole prompt vs float32 goldens", relative: 4e-2);
        TensorAssert.Close(goldens, stepwise, $"{folder} bf16 token by token vs float32 goldens", relative: 4e-2);
        double wholeError = (whole.to(ScalarType.Float32) - goldens).abs().max().item<float>();
        double stepError = (stepwise.to(ScalarType.Float32) - goldens).abs().max().item<float>();
        Assert.True(stepError <= 1.125 * wholeError, $"{folder}: token by token max |diff| {stepError:G4} from the goldens, whole prompt {wholeError:G4}");
        // Greedy picks: where float32 has a clear winner (top-2 margin over twice the bf16 tolerance) both bf16 paths
        // pick it; elsewhere (near-ties such bf16 noise may flip) each pick is within that margin of float32's best.
        double tolerance = 4e-2 * goldens.abs().max().item<float>();
        var top2 = goldens.topk(2, -1).values;                                       // [B, T, 2]
        var clear = (top2.select(-1, 0) - top2.select(-1, 1)).gt(2 * tolerance);   // [B, T]
        var best = goldens.argmax(-1);
        foreach (var (name, logits) in new[] { ("whole prompt", whole), ("token by token", stepwise) })
        {
            var picks = logits.argmax(-1);
            Assert.True(picks.eq(best).logical_or(clear.logical_not()).all().item<bool>(), $"{folder} bf16 {name}: a clear float32 winner not picked");
            var shortfall = top2.select(-1, 0) - goldens.gather(-1, picks.unsqueeze(-1)).squeeze(-1);
            Assert.True(shortfall.le(2 * tolerance).all().item<bool>(), $"{folder} bf16 {name}: a pick {shortfall.max().item<float>():G4} below float32's best");
        }

        Assert.True(clear.sum().item<long>() > 0, $"{folder}: no position has a clear float32 winner; the check above would be empty");
    }
}
