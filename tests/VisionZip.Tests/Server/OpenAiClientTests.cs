using System.Text;
using Microsoft.Extensions.AI;
using OpenAI.Chat;
using VisionZip.Tests.Chat;
using AIChatMessage = Microsoft.Extensions.AI.ChatMessage;
using AIChatRole = Microsoft.Extensions.AI.ChatRole;
using ChatFinishReason = OpenAI.Chat.ChatFinishReason;

namespace VisionZip.Tests.Server;

/// <summary>The official OpenAI SDK and Microsoft.Extensions.AI.OpenAI against the server get the library's greedy answers.</summary>
public sealed class OpenAiClientTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private const string Question = "What is shown in this image?";
    private const int MaxTokens = 8;

    private static UserChatMessage UserWithImage(string text, string path) => new(
        ChatMessageContentPart.CreateTextPart(text),
        ChatMessageContentPart.CreateImagePart(BinaryData.FromBytes(File.ReadAllBytes(path)), "image/png"));

    private static ChatCompletionOptions Greedy(int maxTokens = MaxTokens) => new() { MaxOutputTokenCount = maxTokens, Temperature = 0 };

    [Fact]
    public async Task OpenAI_sdk_image_answer_equals_the_library()
    {
        var completion = (await server.OpenAiChat().CompleteChatAsync([UserWithImage(Question, ChatFixture.PhotoPath)], Greedy())).Value;
        var expected = server.Model.LibraryAnswer(Question, ChatFixture.PhotoPath, ZipPresets.Llava15_64, MaxTokens);
        Assert.Equal(expected.Text, completion.Content[0].Text);
        Assert.Equal(expected.PromptTokens, completion.Usage.InputTokenCount);
        Assert.Equal(expected.Tokens.Count, completion.Usage.OutputTokenCount);
        Assert.Equal(ServerFixture.ModelId, completion.Model);
    }

    [Fact]
    public async Task OpenAI_sdk_streaming_equals_the_library()
    {
        var text = new StringBuilder();
        ChatFinishReason? finish = null;
        int updates = 0;
        await foreach (var update in server.OpenAiChat().CompleteChatStreamingAsync([UserWithImage(Question, ChatFixture.PhotoPath)], Greedy()))
        {
            updates++;
            foreach (var part in update.ContentUpdate)
            {
                text.Append(part.Text);
            }

            finish ??= update.FinishReason;
        }

        var expected = server.Model.LibraryAnswer(Question, ChatFixture.PhotoPath, ZipPresets.Llava15_64, MaxTokens);
        Assert.Equal(expected.Text, text.ToString());
        Assert.True(updates > 1);
        Assert.Equal(expected.FinishReason == VisionZip.Models.Generation.FinishReason.MaxNewTokens ? ChatFinishReason.Length : ChatFinishReason.Stop,
            finish);
    }

    [Fact]
    public async Task OpenAI_sdk_text_only_answer_equals_the_library()
    {
        var completion = (await server.OpenAiChat().CompleteChatAsync([new UserChatMessage("Tell me a story.")], Greedy())).Value;
        var pipeline = server.Model.Pipeline;
        var expected = pipeline.Generate(pipeline.PromptIds("Tell me a story.", 0), [],
            pipeline.DefaultGenerationOptions with { MaxNewTokens = MaxTokens, DoSample = false });
        Assert.Equal(expected.Text, completion.Content[0].Text);
    }

    [Fact]
    public async Task Extensions_AI_OpenAI_client_streaming_and_not_equal_the_library()
    {
        IChatClient client = server.OpenAiChat().AsIChatClient();
        AIChatMessage[] request =
            [new(AIChatRole.User, [new DataContent(File.ReadAllBytes(ChatFixture.OtherPhotoPath), "image/png"), new TextContent(Question)])];
        var options = new ChatOptions { MaxOutputTokens = MaxTokens, Temperature = 0 };
        var response = await client.GetResponseAsync(request, options);
        var streamed = new StringBuilder();
        await foreach (var update in client.GetStreamingResponseAsync(request, options))
        {
            streamed.Append(update.Text);
        }

        var expected = server.Model.LibraryAnswer(Question, ChatFixture.OtherPhotoPath, ZipPresets.Llava15_64, MaxTokens);
        Assert.Equal(expected.Text, response.Text);
        Assert.Equal(expected.Text, streamed.ToString());
        Assert.Equal(expected.PromptTokens, response.Usage!.InputTokenCount);
    }

    [Fact]
    public async Task Eight_concurrent_streaming_clients_are_all_answered_correctly()
    {
        var pipeline = server.Model.Pipeline;
        string[] questions = [.. Enumerable.Range(0, 8).Select(i => $"Streaming question {i}?")];
        var expected = questions.Select(q => pipeline.Generate(pipeline.PromptIds(q, 0), [],
            pipeline.DefaultGenerationOptions with { MaxNewTokens = MaxTokens, DoSample = false }).Text).ToList();

        var answers = await Task.WhenAll(questions.Select(q => Task.Run(async () =>
        {
            var text = new StringBuilder();
            await foreach (var update in server.OpenAiChat().CompleteChatStreamingAsync([new UserChatMessage(q)], Greedy()))
            {
                foreach (var part in update.ContentUpdate)
                {
                    text.Append(part.Text);
                }
            }

            return text.ToString();
        })));
        Assert.Equal(expected, answers);
    }

    [Fact]
    public async Task Models_lists_the_served_model()
    {
        var client = new OpenAI.OpenAIClient(new System.ClientModel.ApiKeyCredential("unused"), new OpenAI.OpenAIClientOptions { Endpoint = server.V1 });
        var models = (await client.GetOpenAIModelClient().GetModelsAsync()).Value;
        Assert.Equal(ServerFixture.ModelId, Assert.Single(models).Id);
    }
}
