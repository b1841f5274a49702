using VisionZip.Models.IO;
using VisionZip.Models.Language;
using VisionZip.Runtime;
using VisionZip.Tests.Support;
using static TorchSharp.torch;

namespace VisionZip.Tests.Language;

public class DecoderInferenceTests
{
    public DecoderInferenceTests() => TorchRuntime.EnsureLoaded();

    [Fact]
    public void Truncating_the_cache_and_refeeding_reproduces_the_full_logits()
    {
        using var fixture = new DecoderFixture("llama-tiny");
        using var scope = NewDisposeScope();
        var inputIds = fixture.Read("input_ids");
        using var cache = fixture.Model.CreateCache();
        fixture.Model.Forward(inputIds, cache);
        cache.Truncate(6);
        var tail = fixture.Model.Forward(inputIds.narrow(1, 6, 4), cache, LogitsSelection.AllPositions);
        TensorAssert.Close(fixture.Read("logits").narrow(1, 6, 4), tail, "logits after truncate(6) and refeeding 6..9");
    }

    [Fact]
    public void A_cloned_cache_continues_independently()
    {
        using var fixture = new DecoderFixture("qwen2-tiny");
        using var scope = NewDisposeScope();
        var inputIds = fixture.Read("input_ids");
        var golden = fixture.Read("logits");
        using var cache = fixture.Model.CreateCache();
        fixture.Model.Forward(inputIds.narrow(1, 0, 7), cache);
        using var branch = cache.Clone();
        fixture.Model.Forward(inputIds.narrow(1, 7, 1), cache); // the original moves on with a different token stream
        fixture.Model.Forward(inputIds.narrow(1, 7, 1), cache);
        var fromBranch = fixture.Model.Forward(inputIds.narrow(1, 7, 3), branch);
        Assert.Equal(10, branch.Length);
        Assert.Equal(9, cache.Length);
        TensorAssert.Close(golden.select(1, 9), fromBranch, "logits from the cloned cache");
    }

    [Fact]
    public void Sequences_beyond_the_context_are_an_argument_error()
    {
        using var checkpoint = SafetensorsCheckpoint.Open(Fixtures.Path("llama-tiny"));
        var config = DecoderConfig.FromFile(Fixtures.Path("llama-tiny", "config.json")) with { MaxPositionEmbeddings = 8 };
        using var model = LlamaForCausalLM.Load(checkpoint, config, "model.", "lm_head.weight");
        using var scope = NewDisposeScope();
        var error = Assert.Throws<ArgumentException>(() => model.Forward(ones(1, 9, dtype: ScalarType.Int64)));
        Assert.Contains("context length 8", error.Message);
        using var cache = model.CreateCache();
        model.Forward(ones(1, 8, dtype: ScalarType.Int64), cache);
        Assert.Throws<ArgumentException>(() => model.Forward(ones(1, 1, dtype: ScalarType.Int64), cache));
    }

    [Fact]
    public void Bad_inputs_are_argument_errors_naming_the_argument()
    {
        using var model = LlamaForCausalLM.Load(Fixtures.Path("qwen2-tiny"));
        using var scope = NewDisposeScope();
        var outOfRange = Assert.Throws<ArgumentException>(() => model.Forward(tensor(new long[] { 1, 448 }).unsqueeze(0)));
        Assert.Equal("inputIds", outOfRange.ParamName);
        Assert.Contains("448", outOfRange.Message);
        Assert.Equal("inputIds", Assert.Throws<ArgumentException>(() => model.Forward(ones(4, dtype: ScalarType.Int64))).ParamName);
        Assert.Equal("inputsEmbeds", Assert.Throws<ArgumentException>(() => model.ForwardEmbeddings(zeros(1, 3, 65))).ParamName);
        using var cache = model.CreateCache();
        model.Forward(ones(2, 3, dtype: ScalarType.Int64), cache);
        Assert.Equal("cache", Assert.Throws<ArgumentException>(() => model.Forward(ones(1, 1, dtype: ScalarType.Int64), cache)).ParamName);
    }

    [Fact]
    public void Many_decode_loops_with_fresh_caches_leave_no_live_tensors()
    {
        using var model = LlamaForCausalLM.Load(Fixtures.Path("llama-tiny"));
        using var prompt = tensor(new long[] { 1, 5, 9, 42 }).unsqueeze(0);
        long before = TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        for (int iteration = 0; iteration < 30; iteration++)
        {
            using var cache = model.CreateCache(initialCapacity: 6);
            using var logits = model.Forward(prompt, cache);
            var next = logits.argmax(-1, keepdim: true);
            for (int step = 0; step < 8; step++) // grows past the initial capacity
            {
                using var stepLogits = model.Forward(next, cache);
                next.Dispose();
                next = stepLogits.argmax(-1, keepdim: true);
            }

            next.Dispose();
        }

        Assert.Equal(before, TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }
}
