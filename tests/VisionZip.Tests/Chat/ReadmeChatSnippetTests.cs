using Microsoft.Extensions.AI;
using VisionZip.Extensions.AI;

namespace VisionZip.Tests.Chat;

/// <summary>The README's IChatClient snippet (fixture paths, a short reply), so it cannot rot.</summary>
public sealed class ReadmeChatSnippetTests
{
    [Fact]
    public async Task IChatClient_snippet_answers_with_64_visual_tokens()
    {
        using IChatClient client = VisionZipChatClient.Load(ChatFixture.ModelDirectory);
        var question = new ChatMessage(ChatRole.User,
            [new TextContent("What is shown in this image?"), new DataContent(File.ReadAllBytes(ChatFixture.PhotoPath), "image/png")]);
        var answer = await client.GetResponseAsync([question], new ChatOptions { MaxOutputTokens = 4 });

        Assert.Equal(4, answer.Usage!.OutputTokenCount);
        Assert.Equal(64, answer.Usage.AdditionalCounts!["visionzip.visual_tokens_after"]);
        Assert.False(string.IsNullOrEmpty(answer.Text));
    }
}
