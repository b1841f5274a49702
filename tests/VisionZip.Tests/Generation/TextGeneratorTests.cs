using VisionZip.Models.Errors;
using VisionZip.Models.Generation;
using VisionZip.Runtime;
using static TorchSharp.torch;

namespace VisionZip.Tests.Generation;

public class TextGeneratorTests
{
    private const int Vocab = 10;

    public TextGeneratorTests() => TorchRuntime.EnsureLoaded();

    /// <summary>Predicts token (position % 10) at every position, so output is predictable.</summary>
    private static ScriptedModel Counting(int contextLength = 1000) =>
        new(Vocab, (_, position) => ScriptedModel.Favour(Vocab, position % Vocab), contextLength);

    private static Tensor Ids(params long[] ids) => tensor(ids).unsqueeze(0);

    [Fact]
    public void Greedy_runs_to_max_new_tokens_with_one_decode_per_token_after_the_first()
    {
        var model = Counting();
        using var prompt = Ids(1, 2, 3);
        var result = new TextGenerator(model).Generate(GenerationPrompt.FromIds(prompt), new GenerationOptions { MaxNewTokens = 4 });
        Assert.Equal([3, 4, 5, 6], result.Tokens[0]);
        Assert.Equal(FinishReason.MaxNewTokens, result.FinishReasons[0]);
        Assert.Equal(3, result.DecodeSteps);
        Assert.Equal(3, result.PromptLength);
        Assert.Equal([[1, 2, 3], [3], [4], [5]], model.Fed);
    }

    [Fact]
    public void Any_of_several_eos_ids_stops_and_is_kept()
    {
        var model = Counting();
        using var prompt = Ids(1, 2, 3);
        var options = new GenerationOptions { MaxNewTokens = 20, EosTokenIds = [9, 5] };
        var result = new TextGenerator(model).Generate(GenerationPrompt.FromIds(prompt), options);
        Assert.Equal([3, 4, 5], result.Tokens[0]);
        Assert.Equal(FinishReason.EndOfSequence, result.FinishReasons[0]);
    }

    [Fact]
    public void Stop_string_stops_once_the_decoded_text_contains_it()
    {
        var model = Counting();
        using var prompt = Ids(0);
        static string Letters(IReadOnlyList<int> ids) => string.Concat(ids.Select(id => (char)('a' + id)));
        var options = new GenerationOptions { MaxNewTokens = 20, StopStrings = ["zz", "de"] };
        var result = new TextGenerator(model, Letters).Generate(GenerationPrompt.FromIds(prompt), options);
        Assert.Equal("bcde", Letters(result.Tokens[0]));
        Assert.Equal(FinishReason.StopString, result.FinishReasons[0]);
    }

    [Fact]
    public void Stop_strings_without_a_detokenizer_are_an_argument_error()
    {
        using var prompt = Ids(0);
        var error = Assert.Throws<ArgumentException>(() => new TextGenerator(Counting())
            .Generate(GenerationPrompt.FromIds(prompt), new GenerationOptions { StopStrings = ["x"] }));
        Assert.Contains("detokenizer", error.Message);
    }

    [Fact]
    public void Rows_stop_independently_and_finished_rows_report_no_token()
    {
        // Row 0 predicts the EOS id 7 at position 3; row 1 never does.
        var model = new ScriptedModel(Vocab, (row, position) => ScriptedModel.Favour(Vocab, row == 0 && position == 3 ? 7 : 1));
        using var prompt = tensor(new long[] { 1, 2, 1, 2 }, [2, 2]);
        var options = new GenerationOptions { MaxNewTokens = 3, EosTokenIds = [7] };
        var result = new TextGenerator(model).Generate(GenerationPrompt.FromIds(prompt), options);
        Assert.Equal([1, 7], result.Tokens[0]);
        Assert.Equal([1, 1, 1], result.Tokens[1]);
        Assert.Equal([FinishReason.EndOfSequence, FinishReason.MaxNewTokens], result.FinishReasons);
        Assert.Equal([7, 1], model.Fed[^1]); // the finished row keeps feeding its last token
    }

    [Fact]
    public async Task Streaming_yields_each_step_with_its_logits_and_stop_reason()
    {
        var model = Counting();
        using var prompt = Ids(1, 2);
        var options = new GenerationOptions { MaxNewTokens = 3, ReturnLogits = true };
        var steps = new List<GenerationStep>();
        await foreach (var step in new TextGenerator(model).StreamAsync(GenerationPrompt.FromIds(prompt), options))
        {
            steps.Add(step);
        }

        Assert.Equal([0, 1, 2], steps.Select(s => s.Index));
        Assert.Equal([2, 3, 4], steps.Select(s => s.Token));
        Assert.Equal([null, null, FinishReason.MaxNewTokens], steps.Select(s => s.Finished[0]));
        Assert.Equal(ScriptedModel.Favour(Vocab, 2), steps[0].Logits);
    }

    [Fact]
    public async Task Cancellation_is_honoured_between_tokens()
    {
        var model = Counting();
        using var prompt = Ids(1);
        using var cancellation = new CancellationTokenSource();
        var received = new List<int>();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var step in new TextGenerator(model).StreamAsync(GenerationPrompt.FromIds(prompt),
                new GenerationOptions { MaxNewTokens = 50 }, cancellationToken: cancellation.Token))
            {
                received.Add(step.Token);
                if (received.Count == 2)
                {
                    cancellation.Cancel();
                }
            }
        });
        Assert.Equal(2, received.Count);
        Assert.Equal(2, model.Fed.Count); // the prompt and one decode step; nothing after the cancel

        Assert.ThrowsAny<OperationCanceledException>(() => new TextGenerator(model)
            .Generate(GenerationPrompt.FromIds(prompt), new GenerationOptions(), cancellationToken: cancellation.Token));
    }

    [Fact]
    public void A_prompt_longer_than_the_context_is_a_context_full_error_before_any_compute()
    {
        var model = Counting(contextLength: 8);
        using var prompt = Ids(new long[9]);
        var generator = new TextGenerator(model);
        var error = Assert.Throws<ContextFullException>(() => generator.Generate(GenerationPrompt.FromIds(prompt), new GenerationOptions()));
        Assert.Equal(9, error.Needed);
        Assert.Equal(8, error.Capacity);
        Assert.Contains("context length 8", error.Message);
        Assert.Throws<ContextFullException>(() => generator.StreamAsync(GenerationPrompt.FromIds(prompt), new GenerationOptions()));
        Assert.Empty(model.Fed);
    }

    [Fact]
    public void Generation_stops_when_the_context_is_full()
    {
        var model = Counting(contextLength: 8);
        using var prompt = Ids(new long[6]);
        var result = new TextGenerator(model).Generate(GenerationPrompt.FromIds(prompt), new GenerationOptions { MaxNewTokens = 10 });
        Assert.Equal(3, result.Tokens[0].Count); // positions 6 and 7 get fed; the third token has no room
        Assert.Equal(FinishReason.ContextFull, result.FinishReasons[0]);
    }

    [Fact]
    public void Repetition_penalty_counts_prompt_tokens()
    {
        // Token 3 leads token 4 slightly; 3 is in the prompt, so a penalty of 2 flips the choice.
        var model = new ScriptedModel(Vocab, (_, _) => [0, 0, 0, 4f, 3f, 0, 0, 0, 0, 0]);
        using var prompt = Ids(3);
        var generator = new TextGenerator(model);
        Assert.Equal([3], generator.Generate(GenerationPrompt.FromIds(prompt), new GenerationOptions { MaxNewTokens = 1 }).Tokens[0]);
        var penalised = generator.Generate(GenerationPrompt.FromIds(prompt), new GenerationOptions { MaxNewTokens = 1, RepetitionPenalty = 2f });
        Assert.Equal([4], penalised.Tokens[0]);
    }

    [Fact]
    public void Seeded_sampling_is_reproducible_and_seeds_matter()
    {
        var model = new ScriptedModel(1000, (_, _) => new float[1000]);
        using var prompt = Ids(1);
        var generator = new TextGenerator(model);
        IReadOnlyList<int> Sample(long seed) => generator.Generate(GenerationPrompt.FromIds(prompt),
            new GenerationOptions { DoSample = true, TopK = 0, MaxNewTokens = 12, Seed = seed }).Tokens[0];

        Assert.Equal(Sample(5), Sample(5));
        Assert.NotEqual(Sample(5), Sample(6));
        var unseeded = generator.Generate(GenerationPrompt.FromIds(prompt), new GenerationOptions { DoSample = true, MaxNewTokens = 3 });
        Assert.Equal(unseeded.Tokens[0], Sample(unseeded.Seed).Take(3)); // the drawn seed is reported and replays
    }

    [Fact]
    public void An_embeddings_prompt_runs_through_forward_embeddings()
    {
        var model = Counting();
        using var embeddings = zeros(1, 4, 8);
        var result = new TextGenerator(model).Generate(GenerationPrompt.FromEmbeddings(embeddings), new GenerationOptions { MaxNewTokens = 2 });
        Assert.Equal([4, 5], result.Tokens[0]);
        Assert.Equal([[4]], model.Fed); // only the decode step used ids
    }

    [Fact]
    public void A_given_cache_is_continued_and_left_holding_all_but_the_last_token()
    {
        var model = Counting();
        using var cache = model.CreateCache();
        using var first = Ids(1, 2);
        var generator = new TextGenerator(model);
        generator.Generate(GenerationPrompt.FromIds(first), new GenerationOptions { MaxNewTokens = 3 }, cache);
        Assert.Equal(4, cache.Length); // 2 prompt + 2 fed generated tokens
        using var second = Ids(9);
        var result = generator.Generate(GenerationPrompt.FromIds(second), new GenerationOptions { MaxNewTokens = 1 }, cache);
        Assert.Equal([5], result.Tokens[0]); // the next position after 4 cached + 1
    }

    [Fact]
    public void Invalid_options_name_the_field()
    {
        using var prompt = Ids(1);
        var generator = new TextGenerator(Counting());
        Assert.Equal("TopP", Assert.Throws<ArgumentException>(() =>
            generator.Generate(GenerationPrompt.FromIds(prompt), new GenerationOptions { TopP = 0 })).ParamName);
        Assert.Equal("MaxNewTokens", Assert.Throws<ArgumentException>(() =>
            generator.Generate(GenerationPrompt.FromIds(prompt), new GenerationOptions { MaxNewTokens = 0 })).ParamName);
    }
}
