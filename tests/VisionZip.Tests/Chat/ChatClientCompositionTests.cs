using VisionZip.Models;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using VisionZip.Extensions.AI;
using VisionZip.Models.Llava;

namespace VisionZip.Tests.Chat;

public sealed class ChatClientCompositionTests
{
    [Fact]
    public async Task Registers_with_one_call_and_composes_with_logging_telemetry_and_a_distributed_cache()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddDistributedMemoryCache();
        services.AddVisionZipChatClient(ChatFixture.ModelDirectory, o => o.Budget = new ZipBudget(27, 5))
            .UseDistributedCache()
            .UseLogging()
            .UseOpenTelemetry();
        await using var provider = services.BuildServiceProvider();
        var client = provider.GetRequiredService<IChatClient>();

        ChatMessage[] request = [ChatFixture.UserWithImage("What is this?", ChatFixture.PhotoPath)];
        var options = new ChatOptions { MaxOutputTokens = 4, Temperature = 0 };
        var first = await client.GetResponseAsync(request, options);
        var second = await client.GetResponseAsync(request, options);

        Assert.Equal(32, first.Usage!.AdditionalCounts![VisionZipPropertyNames.VisualTokensAfter]);
        Assert.Equal(first.Text, second.Text);
        Assert.Equal(first.ResponseId, second.ResponseId);              // the second came from the distributed cache
        Assert.Equal("llava-1.5-tiny-hf", client.GetService<ChatClientMetadata>()!.DefaultModelId);
        Assert.NotNull(client.GetService<VisionLanguageModel>());
    }
}
