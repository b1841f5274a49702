using Microsoft.Extensions.AI;
using VisionZip.Extensions.AI;

namespace VisionZip.Tests.Chat;

public sealed class ChatRequestErrorTests(ChatFixture fixture) : IClassFixture<ChatFixture>
{
    private static ChatMessage User(params AIContent[] contents) => new(ChatRole.User, [.. contents, new TextContent("What is this?")]);

    [Fact]
    public async Task Tools_are_refused()
    {
        using var client = new VisionZipChatClient(fixture.Pipeline);
        var options = new ChatOptions { Tools = [AIFunctionFactory.Create(() => 42, "answer")] };
        var e = await Assert.ThrowsAsync<NotSupportedException>(() => client.GetResponseAsync([new ChatMessage(ChatRole.User, "Hi")], options));
        Assert.Contains("tools", e.Message);
    }

    [Fact]
    public async Task Json_response_format_is_refused()
    {
        using var client = new VisionZipChatClient(fixture.Pipeline);
        var options = new ChatOptions { ResponseFormat = ChatResponseFormat.Json };
        await Assert.ThrowsAsync<NotSupportedException>(() => client.GetResponseAsync([new ChatMessage(ChatRole.User, "Hi")], options));
    }

    [Fact]
    public async Task A_remote_image_is_never_downloaded()
    {
        using var client = new VisionZipChatClient(fixture.Pipeline);
        var e = await Assert.ThrowsAsync<ArgumentException>(() =>
            client.GetResponseAsync([User(new UriContent("https://example.com/cat.png", "image/png"))]));
        Assert.Contains("never downloaded", e.Message);
    }

    [Fact]
    public async Task A_file_outside_the_allowed_directories_is_refused()
    {
        using var client = new VisionZipChatClient(fixture.Pipeline);
        var e = await Assert.ThrowsAsync<ArgumentException>(() =>
            client.GetResponseAsync([User(new UriContent(new Uri(ChatFixture.PhotoPath), "image/png"))]));
        Assert.Contains("AllowedImageDirectories", e.Message);
    }

    [Fact]
    public async Task Bytes_that_are_not_an_image_are_refused_naming_the_image()
    {
        using var client = new VisionZipChatClient(fixture.Pipeline);
        var e = await Assert.ThrowsAsync<VisionZip.Models.Errors.ImageException>(() =>
            client.GetResponseAsync([User(new DataContent("hello"u8.ToArray(), "image/png"))]));
        Assert.Contains("image 0", e.Message);
    }

    [Fact]
    public async Task An_unsupported_media_type_is_refused()
    {
        using var client = new VisionZipChatClient(fixture.Pipeline);
        var e = await Assert.ThrowsAsync<ArgumentException>(() =>
            client.GetResponseAsync([User(new DataContent(File.ReadAllBytes(ChatFixture.PhotoPath), "image/tiff"))]));
        Assert.Contains("image/tiff", e.Message);
    }

    [Fact]
    public async Task Too_many_pixels_are_refused()
    {
        using var client = new VisionZipChatClient(fixture.Pipeline, new VisionZipChatClientOptions { MaxImagePixels = 100 });
        await Assert.ThrowsAsync<VisionZip.Models.Errors.ResourceLimitException>(() =>
            client.GetResponseAsync([User(new DataContent(File.ReadAllBytes(ChatFixture.PhotoPath), "image/png"))]));
    }

    [Fact]
    public async Task A_conversation_must_end_with_a_user_message()
    {
        using var client = new VisionZipChatClient(fixture.Pipeline);
        await Assert.ThrowsAsync<ArgumentException>(() => client.GetResponseAsync([new ChatMessage(ChatRole.Assistant, "Hi")]));
    }

    [Theory]
    [InlineData("54")]
    [InlineData("0+10")]
    [InlineData("a+b")]
    public async Task A_malformed_budget_is_refused(string budget)
    {
        using var client = new VisionZipChatClient(fixture.Pipeline);
        var options = new ChatOptions { AdditionalProperties = new() { [VisionZipPropertyNames.Budget] = budget } };
        var e = await Assert.ThrowsAsync<ArgumentException>(() => client.GetResponseAsync([new ChatMessage(ChatRole.User, "Hi")], options));
        Assert.Contains(VisionZipPropertyNames.Budget, e.Message);
    }

    [Theory]
    [InlineData(0f, 1f)]
    [InlineData(2f, 2f)]
    [InlineData(-2f, 0.5f)]
    public void Frequency_penalty_maps_to_the_repetition_penalty(float penalty, float expected) =>
        Assert.Equal(expected, ChatOptionsMapper.RepetitionPenalty(penalty, null)!.Value, 5);
}
