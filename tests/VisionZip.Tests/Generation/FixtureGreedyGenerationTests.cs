using VisionZip.Models.IO;
using VisionZip.Models.Generation;
using VisionZip.Models.Language;
using VisionZip.Runtime;
using VisionZip.Tests.Support;
using static TorchSharp.torch;

namespace VisionZip.Tests.Generation;

public class FixtureGreedyGenerationTests
{
    public FixtureGreedyGenerationTests() => TorchRuntime.EnsureLoaded();

    [Theory]
    [InlineData("llama-tiny")]
    [InlineData("qwen2-tiny")]
    public void Greedy_generation_reproduces_the_fixture_tokens_and_logits(string folder)
    {
        using var model = LlamaForCausalLM.Load(Fixtures.Path(folder));
        using var golden = SafetensorsFile.Open(Fixtures.Path(folder, "golden.safetensors"));
        using var scope = NewDisposeScope();
        var expected = golden.Read("greedy_tokens");
        var options = new GenerationOptions { MaxNewTokens = (int)expected.shape[1], ReturnLogits = true };
        var result = new TextGenerator(model).Generate(GenerationPrompt.FromIds(golden.Read("input_ids")), options);
        var tokens = tensor(result.Tokens.SelectMany(row => row.Select(t => (long)t)).ToArray(), expected.shape);
        TensorAssert.Equal(expected, tokens, $"{folder} greedy_tokens via TextGenerator");
        TensorAssert.Close(golden.Read("greedy_logits"), result.StepLogitsTensor(), $"{folder} greedy_logits via TextGenerator");
        Assert.All(result.FinishReasons, r => Assert.Equal(FinishReason.MaxNewTokens, r));
        Assert.Equal(expected.shape[1] - 1, result.DecodeSteps);
        Assert.True(result.DecodeTokensPerSecond > 0);
    }

    [Fact]
    public async Task Streaming_greedy_generation_matches_the_fixture()
    {
        using var model = LlamaForCausalLM.Load(Fixtures.Path("llama-tiny"));
        using var golden = SafetensorsFile.Open(Fixtures.Path("llama-tiny", "golden.safetensors"));
        using var expected = golden.Read("greedy_tokens");
        using var inputIds = golden.Read("input_ids");
        using var embeddings = model.EmbedTokens(inputIds);
        var rows = new List<long>[] { [], [] };
        await foreach (var step in new TextGenerator(model).StreamAsync(GenerationPrompt.FromEmbeddings(embeddings), new GenerationOptions { MaxNewTokens = 8 }))
        {
            rows[0].Add(step.Tokens[0]);
            rows[1].Add(step.Tokens[1]);
        }

        using var tokens = tensor(rows.SelectMany(r => r).ToArray(), [2, 8]);
        TensorAssert.Equal(expected, tokens, "llama-tiny greedy_tokens streamed from inputs_embeds");
    }

    [Fact]
    public void Repeated_generations_leave_no_live_tensors()
    {
        using var model = LlamaForCausalLM.Load(Fixtures.Path("qwen2-tiny"));
        using var prompt = tensor(new long[] { 1, 17, 33, 5 }).unsqueeze(0);
        var generator = new TextGenerator(model);
        var options = new GenerationOptions { MaxNewTokens = 12, DoSample = true, Seed = 1, TopK = 20, TopP = 0.9f, RepetitionPenalty = 1.2f };
        long before = TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        for (int i = 0; i < 10; i++)
        {
            generator.Generate(GenerationPrompt.FromIds(prompt), options);
        }

        Assert.Equal(before, TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }
}
