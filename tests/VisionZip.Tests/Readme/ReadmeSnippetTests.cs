using VisionZip.Models;
using VisionZip.Models.Generation;
using VisionZip.Models.Llava;
using VisionZip.Tests.Support;
using static TorchSharp.torch;

namespace VisionZip.Tests.Readme;

/// <summary>The README's library snippets, run against the fixture checkpoint (with short generation limits), so they cannot rot.</summary>
public class ReadmeSnippetTests
{
    private static readonly string Model = Fixtures.Path("llava-1.5-tiny-hf");
    private static readonly string Photo = Fixtures.Path("images", "coffee.png");

    [Fact]
    public void Pipeline_snippet_zips_576_patches_to_64_tokens_and_answers()
    {
        using var llava = VisionLanguageModel.Load(Model);

        using var image = llava.EncodeImage(Photo, ZipPresets.Llava15_64);
        var ids = llava.PromptIds("What is shown in this image?");
        var answer = llava.Generate(ids, [image], new GenerationOptions { MaxNewTokens = 4, DoSample = false });

        Assert.Equal(64, image.TokenCount);
        Assert.Equal(576, llava.VanillaTokenCount);
        Assert.Equal(4, answer.Tokens.Count);
        Assert.Equal(ids.Length - 1 + 64, answer.PromptTokens);
    }

    [Fact]
    public void Chat_snippet_encodes_the_image_once_and_prefills_only_the_follow_up()
    {
        using var llava = VisionLanguageModel.Load(Model);
        using var chat = new ChatSession(llava, ZipPresets.Llava15_64);
        var options = new GenerationOptions { MaxNewTokens = 3, DoSample = false };

        var first = chat.Ask("Describe the photo.", [Photo], options);
        var second = chat.Ask("What colour is the sky?", options: options);

        Assert.Equal(1, chat.ImagesEncoded);
        Assert.True(second.CachedBefore >= first.PrefillTokens, $"turn 2 started with {second.CachedBefore} cached positions");
        Assert.True(second.PrefillTokens < first.PrefillTokens,
            $"turn 2 prefilled {second.PrefillTokens} tokens, turn 1 {first.PrefillTokens}");
    }

    [Fact]
    public void Core_snippet_returns_the_documented_shapes()
    {
        using var scope = NewDisposeScope();
        var hidden = randn(1, 577, 32);
        var clsAttention = rand(1, 4, 577).softmax(-1);
        var metric = randn(1, 577, 8);

        using var zipped = VisionZipper.Zip(hidden, clsAttention, metric, ZipPresets.Llava15_64, hasCls: true);

        Assert.Equal(new long[] { 1, 64, 32 }, zipped.Tokens.shape);
        Assert.Equal(new long[] { 1, 54 }, zipped.KeptIndices.shape);
        Assert.Equal(new long[] { 1, 10 }, zipped.ContextualTargets.shape);
        Assert.Equal(new long[] { 1, 577 }, zipped.Assignment.shape);
        Assert.Equal(0, zipped.KeptIndices[0, 0].item<long>());
    }
}
