using VisionZip.Models;
using VisionZip.Models.Errors;
using VisionZip.Models.Generation;
using VisionZip.Models.Imaging;
using VisionZip.Models.Llava;
using VisionZip.Tests.Generality;
using VisionZip.Tests.Support;

namespace VisionZip.Tests.Llava;

/// <summary>Long conversations: reset, and what happens when the context fills (refuse or drop the oldest turns).</summary>
public sealed class ChatContextPolicyTests : IDisposable
{
    private const int Context = 200;
    private readonly ScratchDirectory _scratch = new();
    private readonly VisionLanguageModel _pipeline;

    public ChatContextPolicyTests()
    {
        string copy = SmallContextCheckpoint.Create(_scratch, Context);   // a zipped image takes 64 of the 200 positions
        _pipeline = VisionLanguageModel.Load(copy);
    }

    private GenerationOptions Greedy(int tokens) => _pipeline.DefaultGenerationOptions with { DoSample = false, MaxNewTokens = tokens, EosTokenIds = [] };

    private static RgbImage Photo => ImageDecoder.Load(LlavaCheckpointFixture.Photo);

    [Fact]
    public void Thirty_turns_keep_answering_after_the_context_fills()
    {
        using var session = new ChatSession(_pipeline, ZipPresets.Llava15_64, contextPolicy: ContextPolicy.DropOldestTurns);
        for (int i = 0; i < 30; i++)
        {
            var turn = session.Ask($"Question number {i}: what do you see there?", i % 10 == 0 ? [Photo] : null, Greedy(6));
            Assert.Equal(6, turn.AnswerIds.Count);
            Assert.True(session.CachedTokens <= Context, $"turn {i}: {session.CachedTokens} cached positions > {Context}");
        }

        Assert.Equal(30, session.Turns.Count);
        Assert.True(session.TurnsDropped > 0, "the context never filled");
        Assert.True(session.TurnsInContext < 30);
        Assert.Equal(30 - session.TurnsDropped, session.TurnsInContext);
        // Images of dropped turns are freed; those of turns still in the context stay encoded.
        Assert.True(session.Images.Count <= 3);
    }

    [Fact]
    public void After_a_drop_the_turn_equals_a_fresh_conversation_of_the_remaining_turns()
    {
        using var session = new ChatSession(_pipeline, ZipPresets.Llava15_64, contextPolicy: ContextPolicy.DropOldestTurns);
        ChatTurn? dropped = null;
        for (int i = 0; i < 30 && dropped is null; i++)
        {
            int before = session.TurnsDropped;
            var turn = session.Ask($"Tell me about thing {i}.", i == 0 ? [Photo] : null, Greedy(5));
            if (session.TurnsDropped > before)
            {
                dropped = turn;
            }
        }

        Assert.NotNull(dropped);
        Assert.Equal(0, dropped!.CachedBefore);   // the remaining conversation was prefilled anew
        // Replaying what the cache now holds from scratch gives the same answer.
        var replay = _pipeline.Generate(session.PrefilledIds.Take(dropped.PrefillTokens - session.Images.Sum(i => i.TokenCount) + session.Images.Count).ToArray(),
            session.Images, Greedy(5));
        Assert.Equal(dropped.AnswerIds, replay.Tokens);
    }

    [Fact]
    public void Refuse_policy_throws_context_full_and_leaves_the_session_usable()
    {
        using var session = new ChatSession(_pipeline, ZipPresets.Llava15_64);
        session.Ask("What is shown in this image?", [Photo], Greedy(4));
        string longQuestion = string.Join(' ', Enumerable.Repeat("describe", 150));
        int cached = session.CachedTokens;

        var error = Assert.Throws<ContextFullException>(() => session.Ask(longQuestion, options: Greedy(4)));
        Assert.Contains("context is full", error.Message, StringComparison.Ordinal);
        Assert.Equal(Context, error.Capacity);
        Assert.Equal(cached, session.CachedTokens);
        Assert.Single(session.Turns);

        var next = session.Ask("And now?", options: Greedy(3));
        Assert.Equal(3, next.AnswerIds.Count);
    }

    [Fact]
    public void Reset_starts_over_and_answers_as_a_new_session()
    {
        using var session = new ChatSession(_pipeline, ZipPresets.Llava15_64, systemPrompt: "Be brief.");
        session.Ask("What is shown in this image?", [Photo], Greedy(4));
        session.Ask("More?", options: Greedy(4));
        session.Reset();
        Assert.Equal(0, session.CachedTokens);
        Assert.Empty(session.Turns);
        Assert.Empty(session.Images);
        Assert.Single(session.Messages);       // the system prompt stays

        var again = session.Ask("Describe it.", [Photo], Greedy(5));
        using var fresh = new ChatSession(_pipeline, ZipPresets.Llava15_64, systemPrompt: "Be brief.");
        var expected = fresh.Ask("Describe it.", [Photo], Greedy(5));
        Assert.Equal(expected.AnswerIds, again.AnswerIds);
    }

    public void Dispose()
    {
        _pipeline.Dispose();
        _scratch.Dispose();
    }
}
