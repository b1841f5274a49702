using VisionZip.Models;
using VisionZip.Models.Generation;
using VisionZip.Models.Imaging;
using VisionZip.Models.Llava;
using VisionZip.Tests.Support;
using static TorchSharp.torch;

namespace VisionZip.Tests.Llava;

public sealed class ChatSessionTests(Llava15Fixture fixture) : IClassFixture<Llava15Fixture>
{
    private VisionLanguageModel Pipeline => fixture.Pipeline;

    private GenerationOptions Greedy(int tokens) => Pipeline.DefaultGenerationOptions with
    {
        DoSample = false, MaxNewTokens = tokens, EosTokenIds = [], ReturnLogits = true,
    };

    private static RgbImage Photo => ImageDecoder.Load(LlavaCheckpointFixture.Photo);

    [Fact]
    public void First_turn_is_the_single_prompt_and_reproduces_the_golden_greedy_tokens()
    {
        using var session = new ChatSession(Pipeline, new ZipBudget(54, 10), ImageMode.Crop);

        var turn = session.Ask("What is shown in this image?", [Photo], Greedy(8));

        using var scope = NewDisposeScope();
        Assert.Equal(81, turn.PrefillTokens);
        Assert.Equal(0, turn.CachedBefore);
        Assert.Equal(FinishReason.MaxNewTokens, turn.FinishReason);
        TensorAssert.Close(fixture.Golden.Read("crop.zip.last_logits"), tensor(turn.PrefillLogits!).unsqueeze(0), "turn 1 logits");
        TensorAssert.Equal(fixture.Golden.Read("crop.zip.greedy_tokens"), tensor(turn.AnswerIds.Select(id => (long)id).ToArray()).unsqueeze(0), "turn 1 tokens");
        Assert.Equal(81 + 7, session.CachedTokens);   // the last answer token waits for the next turn
    }

    [Fact]
    public void Follow_up_prefills_only_its_new_tokens_and_matches_a_prefill_from_scratch()
    {
        using var session = new ChatSession(Pipeline, new ZipBudget(54, 10), ImageMode.Crop);
        var first = session.Ask("What is shown in this image?", [Photo], Greedy(4));
        int cachedAfterFirst = session.CachedTokens;

        var second = session.Ask("And what colour is it?", options: Greedy(3));

        Assert.Equal(1, session.ImagesEncoded);
        Assert.Single(first.NewImages);
        Assert.Empty(second.NewImages);
        Assert.Equal(81 + first.AnswerIds.Count - 1, cachedAfterFirst);
        Assert.Equal(cachedAfterFirst, second.CachedBefore);
        long[] fedInTurn2 = session.PrefilledIds.Skip(cachedAfterFirst - 64 + 1).Take(second.PrefillTokens).ToArray();
        Assert.Equal(first.AnswerIds[^1], fedInTurn2[0]);                        // the pending answer token opens turn 2
        Assert.Equal(Pipeline.Tokenize("</s>USER: And what colour is it? ASSISTANT:").Skip(1), fedInTurn2.Skip(1));

        using var scope = NewDisposeScope();
        int prefixLength = session.PrefilledIds.Count - (second.AnswerIds.Count - 1);
        using var cache = Pipeline.LanguageModel.CreateCache();
        using var scratch = Pipeline.Prefill(session.PrefilledIds.Take(prefixLength).ToList(), session.Images, cache);
        Assert.Equal(cachedAfterFirst + second.PrefillTokens, scratch.Tokens);
        TensorAssert.Close(scratch.Logits, tensor(second.PrefillLogits!).unsqueeze(0), "turn 2 logits vs the whole conversation from scratch");
    }

    [Fact]
    public async Task Streaming_turn_gives_the_same_tokens_and_text_as_the_blocking_one()
    {
        using var blocking = new ChatSession(Pipeline, new ZipBudget(54, 10), ImageMode.Crop);
        using var streaming = new ChatSession(Pipeline, new ZipBudget(54, 10), ImageMode.Crop);
        var expected = blocking.Ask("What is shown in this image?", [Photo], Greedy(6));
        var pieces = new List<string>();

        var turn = await streaming.AskAsync("What is shown in this image?", [Photo], pieces.Add, Greedy(6));

        Assert.Equal(expected.AnswerIds, turn.AnswerIds);
        Assert.Equal(expected.Answer, turn.Answer);
        Assert.Equal(expected.Answer, string.Concat(pieces));
        Assert.Equal(expected.PrefillLogits, turn.PrefillLogits);
    }

    [Fact]
    public void Cancelled_turn_leaves_the_session_as_it_was()
    {
        using var session = new ChatSession(Pipeline, new ZipBudget(54, 10), ImageMode.Crop);
        session.Ask("What is shown in this image?", [Photo], Greedy(2));
        int cached = session.CachedTokens;
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        Assert.Throws<OperationCanceledException>(() => session.Ask("Again?", [Photo], Greedy(2), cancelled.Token));

        Assert.Equal(cached, session.CachedTokens);
        Assert.Equal(1, session.ImagesEncoded);
        Assert.Single(session.Turns);
    }
}
