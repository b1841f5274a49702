using VisionZip.Models;
using Microsoft.Extensions.AI;
using VisionZip.Extensions.AI;

namespace VisionZip.Tests.Chat;

public sealed class VisionZipChatClientTests(ChatFixture fixture) : IClassFixture<ChatFixture>
{
    private const string Question = "What is shown in this image?";

    private static ChatOptions Greedy(int maxTokens = 8) => new() { MaxOutputTokens = maxTokens, Temperature = 0 };

    [Fact]
    public async Task Greedy_image_answer_equals_the_library_and_counts_visual_tokens()
    {
        using var client = new VisionZipChatClient(fixture.Pipeline);
        var response = await client.GetResponseAsync([ChatFixture.UserWithImage(Question, ChatFixture.PhotoPath)], Greedy());

        var expected = fixture.LibraryAnswer(Question, ChatFixture.PhotoPath, ZipPresets.Llava15_64, 8);
        Assert.Equal(expected.Text, response.Text);
        Assert.Equal(expected.PromptTokens, response.Usage!.InputTokenCount);
        Assert.Equal(expected.Tokens.Count, response.Usage.OutputTokenCount);
        Assert.Equal(expected.PromptTokens + expected.Tokens.Count, response.Usage.TotalTokenCount);
        Assert.Equal(576, response.Usage.AdditionalCounts![VisionZipPropertyNames.VisualTokensBefore]);
        Assert.Equal(64, response.Usage.AdditionalCounts[VisionZipPropertyNames.VisualTokensAfter]);
        Assert.Equal(0, response.Usage.CachedInputTokenCount);
        Assert.Equal("llava-1.5-tiny-hf", response.ModelId);
        Assert.True(response.AdditionalProperties!.ContainsKey(VisionZipPropertyNames.PrefillMilliseconds));
    }

    [Fact]
    public async Task Streaming_updates_concatenate_to_the_non_streaming_answer()
    {
        using var client = new VisionZipChatClient(fixture.Pipeline, new VisionZipChatClientOptions { MaxCachedConversations = 0 });
        ChatMessage[] request = [ChatFixture.UserWithImage(Question, ChatFixture.PhotoPath)];
        var whole = await client.GetResponseAsync(request, Greedy(10));
        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in client.GetStreamingResponseAsync(request, Greedy(10)))
        {
            updates.Add(update);
        }

        Assert.True(updates.Count > 1, $"expected one update per text piece, got {updates.Count}");
        Assert.Equal(whole.Text, string.Concat(updates.Select(u => u.Text)));
        Assert.Equal(whole.FinishReason, updates[^1].FinishReason);
        Assert.All(updates.SkipLast(1), u => Assert.Null(u.FinishReason));
        var usage = Assert.Single(updates[^1].Contents.OfType<UsageContent>()).Details;
        Assert.Equal(whole.Usage!.InputTokenCount, usage.InputTokenCount);
        Assert.Equal(whole.Usage.OutputTokenCount, usage.OutputTokenCount);
    }

    [Fact]
    public async Task A_stop_sequence_ends_the_answer_and_is_not_in_its_text()
    {
        using var client = new VisionZipChatClient(fixture.Pipeline, new VisionZipChatClientOptions { MaxCachedConversations = 0 });
        ChatMessage[] request = [ChatFixture.UserWithImage(Question, ChatFixture.PhotoPath)];
        var free = await client.GetResponseAsync(request, Greedy(12));
        // A stop taken from inside the free answer (from its 4th character, 2 long): the answer must end right before it.
        string stop = free.Text.Substring(3, 2);
        int cut = free.Text.IndexOf(stop, StringComparison.Ordinal);
        var options = Greedy(12);
        options.StopSequences = [stop];

        var stopped = await client.GetResponseAsync(request, options);
        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in client.GetStreamingResponseAsync(request, options))
        {
            updates.Add(update);
        }

        Assert.Equal(free.Text[..cut], stopped.Text);
        Assert.Equal(ChatFinishReason.Stop, stopped.FinishReason);
        Assert.Equal(stopped.Text, string.Concat(updates.Select(u => u.Text)));
        Assert.All(updates, u => Assert.DoesNotContain(stop, u.Text));
    }

    [Fact]
    public async Task Max_output_tokens_finishes_with_length()
    {
        using var client = new VisionZipChatClient(fixture.Pipeline);
        var response = await client.GetResponseAsync([new ChatMessage(ChatRole.User, "Hello")], Greedy(3));
        Assert.Equal(3, response.Usage!.OutputTokenCount);
        Assert.Equal(ChatFinishReason.Length, response.FinishReason);
    }

    [Fact]
    public async Task A_follow_up_prefills_only_its_new_tokens_and_equals_a_fresh_answer()
    {
        using var reusing = new VisionZipChatClient(fixture.Pipeline);
        var first = ChatFixture.UserWithImage(Question, ChatFixture.PhotoPath);
        var answer1 = await reusing.GetResponseAsync([first], Greedy());
        ChatMessage[] followUp = [first, new(ChatRole.Assistant, answer1.Text), new(ChatRole.User, "And what colour is it?")];
        var reused = await reusing.GetResponseAsync(followUp, Greedy());

        using var fresh = new VisionZipChatClient(fixture.Pipeline, new VisionZipChatClientOptions { MaxCachedConversations = 0 });
        var scratch = await fresh.GetResponseAsync(followUp, Greedy());

        Assert.Equal(scratch.Text, reused.Text);
        Assert.Equal(scratch.Usage!.InputTokenCount, reused.Usage!.InputTokenCount);
        Assert.Equal(0, scratch.Usage.CachedInputTokenCount);
        // The first request's whole prompt (its 64 visual tokens included) comes from the cache.
        Assert.True(reused.Usage.CachedInputTokenCount >= answer1.Usage!.InputTokenCount - 1,
            $"cached {reused.Usage.CachedInputTokenCount} of {reused.Usage.InputTokenCount}, first prompt {answer1.Usage.InputTokenCount}");
        Assert.Equal(reused.Usage.CachedInputTokenCount, reused.Usage.AdditionalCounts![VisionZipPropertyNames.CachedPromptTokens]);
    }

    [Fact]
    public async Task A_diverging_conversation_keeps_only_the_shared_prefix()
    {
        using var client = new VisionZipChatClient(fixture.Pipeline);
        await client.GetResponseAsync([ChatFixture.UserWithImage(Question, ChatFixture.PhotoPath)], Greedy());
        // Same words, other image: the placeholder is not shared, so the cache keeps only the text before it.
        var other = await client.GetResponseAsync([ChatFixture.UserWithImage(Question, ChatFixture.OtherPhotoPath)], Greedy());
        var expected = fixture.LibraryAnswer(Question, ChatFixture.OtherPhotoPath, ZipPresets.Llava15_64, 8);
        Assert.Equal(expected.Text, other.Text);
        Assert.True(other.Usage!.CachedInputTokenCount < 64, $"cached {other.Usage.CachedInputTokenCount}");
    }

    [Fact]
    public async Task Budget_and_reducer_come_from_additional_properties()
    {
        using var client = new VisionZipChatClient(fixture.Pipeline);
        ChatMessage[] request = [ChatFixture.UserWithImage(Question, ChatFixture.PhotoPath)];
        var options = Greedy(2);
        options.AdditionalProperties = new() { [VisionZipPropertyNames.Budget] = "108+20" };
        var zipped = await client.GetResponseAsync(request, options);
        Assert.Equal(128, zipped.Usage!.AdditionalCounts![VisionZipPropertyNames.VisualTokensAfter]);

        options.AdditionalProperties = new() { [VisionZipPropertyNames.Reducer] = "none" };
        var vanilla = await client.GetResponseAsync(request, options);
        Assert.Equal(576, vanilla.Usage!.AdditionalCounts![VisionZipPropertyNames.VisualTokensAfter]);
    }

    [Fact]
    public async Task A_file_uri_inside_an_allowed_directory_equals_the_bytes()
    {
        var options = new VisionZipChatClientOptions();
        options.AllowedImageDirectories.Add(Path.GetDirectoryName(ChatFixture.PhotoPath)!);
        using var client = new VisionZipChatClient(fixture.Pipeline, options);
        var viaFile = await client.GetResponseAsync(
            [new ChatMessage(ChatRole.User, [new UriContent(new Uri(ChatFixture.PhotoPath), "image/png"), new TextContent(Question)])], Greedy());
        var viaBytes = await client.GetResponseAsync([ChatFixture.UserWithImage(Question, ChatFixture.PhotoPath)], Greedy());
        Assert.Equal(viaBytes.Text, viaFile.Text);
    }

    [Fact]
    public async Task Many_callers_on_one_client_get_their_own_answers()
    {
        using var client = new VisionZipChatClient(fixture.Pipeline);
        string[] questions = [.. Enumerable.Range(0, 8).Select(i => $"Question number {i}?")];
        var expected = new List<string>();
        foreach (string question in questions)
        {
            expected.Add((await client.GetResponseAsync([new ChatMessage(ChatRole.User, question)], Greedy(6))).Text);
        }

        var answers = await Task.WhenAll(questions.Select(q =>
            Task.Run(() => client.GetResponseAsync([new ChatMessage(ChatRole.User, q)], Greedy(6)))));
        Assert.Equal(expected, answers.Select(a => a.Text));
        Assert.Equal(0, client.PendingRequests);
    }

    [Fact]
    public async Task A_full_queue_refuses_at_once()
    {
        using var client = new VisionZipChatClient(fixture.Pipeline, new VisionZipChatClientOptions { MaxQueuedRequests = 0 });
        await using var running = client.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "Hello")], Greedy(8)).GetAsyncEnumerator();
        Assert.True(await running.MoveNextAsync());                     // holds the model until disposed
        await Assert.ThrowsAsync<VisionZipQueueFullException>(() => client.GetResponseAsync([new ChatMessage(ChatRole.User, "Hi")], Greedy(2)));
    }

    [Fact]
    public async Task Get_service_exposes_metadata_and_the_model()
    {
        using var client = new VisionZipChatClient(fixture.Pipeline);
        var metadata = client.GetService<ChatClientMetadata>();
        Assert.Equal("visionzip", metadata!.ProviderName);
        Assert.Equal("llava-1.5-tiny-hf", metadata.DefaultModelId);
        Assert.Same(fixture.Pipeline, client.GetService<VisionZip.Models.VisionLanguageModel>());
        Assert.Same(client, client.GetService<VisionZipChatClient>());
        await Task.CompletedTask;
    }
}
