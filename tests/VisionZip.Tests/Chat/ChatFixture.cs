using VisionZip.Models;
using Microsoft.Extensions.AI;
using VisionZip.Models.Llava;
using VisionZip.Tests.Support;

namespace VisionZip.Tests.Chat;

/// <summary>The tiny LLaVA-1.5 checkpoint loaded once, with helpers to build requests and the library's own answer.</summary>
public sealed class ChatFixture : IDisposable
{
    public ChatFixture()
    {
        Pipeline = VisionLanguageModel.Load(ModelDirectory);
    }

    public static string ModelDirectory => Fixtures.Path("llava-1.5-tiny-hf");

    public static string PhotoPath => Fixtures.Path("images", "coffee.png");

    public static string OtherPhotoPath => Fixtures.Path("images", "astronaut.png");

    public VisionLanguageModel Pipeline { get; }

    public static ChatMessage UserWithImage(string text, string path) =>
        new(ChatRole.User, [new DataContent(File.ReadAllBytes(path), "image/png"), new TextContent(text)]);

    /// <summary>The pipeline's greedy answer to one question about one image (what <c>visionzip generate --greedy</c> prints).</summary>
    public LlavaAnswer LibraryAnswer(string question, string imagePath, ZipBudget? budget, int maxNewTokens)
    {
        using var image = Pipeline.EncodeImage(imagePath, budget);
        var options = Pipeline.DefaultGenerationOptions with { MaxNewTokens = maxNewTokens, DoSample = false };
        return Pipeline.Generate(Pipeline.PromptIds(question, 1), [image], options);
    }

    public void Dispose() => Pipeline.Dispose();
}
