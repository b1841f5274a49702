using VisionZip.Models;
using VisionZip.Models.Generation;
using VisionZip.Models.Imaging;
using VisionZip.Models.Llava;
using VisionZip.Tests.Support;
using static TorchSharp.torch;

namespace VisionZip.Tests.LlavaNext;

/// <summary>tests/fixtures/llava-next-tiny-patch14-112-hf: anyres 1x3 grid, vanilla (unpad + image_newline) and VisionZip 14+4 per image.</summary>
public sealed class LlavaNextParityTests(LlavaNextFixture fixture) : IClassFixture<LlavaNextFixture>
{
    private const string Question = "What is shown in this image?";
    private static readonly ZipBudget Budget = new(14, 4);

    private VisionLanguageModel Pipeline => fixture.Pipeline;

    private AnyResImageLayout Next => Assert.IsType<AnyResImageLayout>(Pipeline.ImageLayout);

    private GenerationOptions Greedy8 => Pipeline.DefaultGenerationOptions with
    {
        DoSample = false, MaxNewTokens = 8, EosTokenIds = [], ReturnLogits = true,
    };

    [Fact]
    public void Loads_the_llava_next_checkpoint_with_its_image_newline_and_mistral_prompt()
    {
        Assert.Equal("anyres", Pipeline.ImageLayout.Name);
        Assert.Equal(CheckpointKind.LlavaNext, Pipeline.Kind);
        Assert.Equal([96L], Next.ImageNewline.shape);
        Assert.Equal(8, Next.TokensPerSide);
        Assert.Equal("[INST] <image>\nWhat is shown in this image? [/INST]", Pipeline.FormatPrompt(Question));
        using var scope = NewDisposeScope();
        TensorAssert.Equal(fixture.Golden.Read("input_ids"), tensor(Pipeline.PromptIds(Question)).unsqueeze(0), "input_ids");
    }

    [Fact]
    public void Anyres_split_matches_grid_and_pixel_values()
    {
        using var scope = NewDisposeScope();
        var split = Next.Processor.Split(ImageDecoder.Load(LlavaNextFixture.WidePhoto));

        Assert.Equal((112, 336), split.BestResolution);
        Assert.Equal((1, 3), split.Grid);
        TensorAssert.PixelsClose(fixture.Golden.Read("pixel_values"), Next.Processor.ToPixelValues(split), "pixel_values");
        TensorAssert.Equal(fixture.Golden.Read("image_sizes"), AnyResProcessor.ImageSizes(split), "image_sizes");
    }

    [Fact]
    public void Vanilla_layout_is_the_unpadded_grid_with_a_newline_per_row()
    {
        var layout = AnyResLayout.Vanilla((1, 3), 8, (250, 600));

        Assert.Equal((0, 8, 2, 22), AnyResLayout.UnpadExtent((250, 600), 8, 24));
        Assert.Equal(232, layout.Count);
        using var scope = NewDisposeScope();
        TensorAssert.Equal(fixture.Golden.Read("vanilla.layout"), LayoutTensor(layout), "vanilla.layout");
    }

    [Fact]
    public void Vanilla_image_matches_features_embeddings_logits_and_greedy_tokens()
    {
        using var scope = NewDisposeScope();
        using var image = Pipeline.EncodeImage(LlavaNextFixture.WidePhoto);
        var golden = fixture.Golden;

        Assert.Null(image.Zip);
        Assert.Equal(232, image.TokenCount);
        Assert.Equal((232, 232), (image.Stats.TokensBefore, image.Stats.TokensAfter));
        TensorAssert.Close(golden.Read("vision.hidden_states_m2").narrow(1, 1, 64), image.ImageFeatures, "vision.hidden_states_m2[:, 1:]");
        TensorAssert.Close(golden.Read("vanilla.image_features"), image.Projected!, "vanilla.image_features");

        long[] ids = Pipeline.PromptIds(Question);
        TensorAssert.Close(golden.Read("vanilla.inputs_embeds"), Pipeline.EmbedPrompt(ids, [image]), "vanilla.inputs_embeds");
        AssertGeneration("vanilla", ids, image);
    }

    [Fact]
    public void Zipped_image_matches_indices_layout_features_embeddings_logits_and_greedy_tokens()
    {
        using var scope = NewDisposeScope();
        using var image = Pipeline.EncodeImage(LlavaNextFixture.WidePhoto, Budget);
        var golden = fixture.Golden;

        Assert.Equal(72, image.TokenCount);
        Assert.Equal((232, 72), (image.Stats.TokensBefore, image.Stats.TokensAfter));
        TensorAssert.Equal(golden.Read("zip.kept"), image.Zip!.KeptIndices, "zip.kept");
        TensorAssert.Equal(golden.Read("zip.targets"), image.Zip.ContextualTargets, "zip.targets");
        TensorAssert.Equal(golden.Read("zip.assignment"), image.Zip.Assignment, "zip.assignment");
        TensorAssert.Close(golden.Read("zip.tokens"), image.Zip.Tokens, "zip.tokens");
        TensorAssert.Close(golden.Read("zip.tokens"), image.ImageFeatures, "zip image features");

        long[] kept = image.Zip.KeptIndices.data<long>().ToArray();
        var keptRows = Enumerable.Range(0, 4).Select(i => (IReadOnlyList<long>)kept[(i * 14)..((i + 1) * 14)]).ToList();
        var layout = AnyResLayout.Zipped((1, 3), 8, keptRows, contextual: 4, hasCls: true);
        TensorAssert.Equal(golden.Read("zip.layout"), LayoutTensor(layout), "zip.layout");
        TensorAssert.Close(golden.Read("zip.image_features"), image.Projected!, "zip.image_features");

        long[] ids = Pipeline.PromptIds(Question);
        TensorAssert.Close(golden.Read("zip.inputs_embeds"), Pipeline.EmbedPrompt(ids, [image]), "zip.inputs_embeds");
        AssertGeneration("zip", ids, image);
    }

    [Theory]
    [InlineData("vanilla", 260)]
    [InlineData("zip", 100)]
    public void Expanded_prompt_ids_give_the_same_embeddings_and_logits(string path, int length)
    {
        using var scope = NewDisposeScope();
        using var image = Pipeline.EncodeImage(LlavaNextFixture.WidePhoto, path == "zip" ? Budget : null);
        long[] expanded = fixture.Golden.Read($"input_ids_expanded.{path}").data<long>().ToArray();

        var merged = PromptEmbeddings.Merge(tensor(expanded).unsqueeze(0), [image.Projected!], Pipeline.Config.ImageTokenIndex,
            Pipeline.LanguageModel.EmbedTokens);
        TensorAssert.Close(fixture.Golden.Read($"{path}.inputs_embeds"), merged, $"{path}.inputs_embeds from expanded ids");

        using var cache = Pipeline.LanguageModel.CreateCache();
        using var prefill = Pipeline.Prefill(expanded, [image], cache);
        Assert.Equal(length, prefill.Tokens);
        TensorAssert.Close(fixture.Golden.Read($"{path}.last_logits"), prefill.Logits, $"{path}.last_logits from expanded ids");
    }

    [Fact]
    public void Golden_pixel_values_give_the_golden_zipped_sequence_without_preprocessing()
    {
        using var scope = NewDisposeScope();
        using var image = Next.EncodePixels(fixture.Golden.Read("pixel_values"), (250, 600), ImageEncodeOptions.Zip(Budget));

        Assert.Equal(TimeSpan.Zero, image.Stats.Preprocess);
        TensorAssert.Close(fixture.Golden.Read("zip.image_features"), image.Projected!, "zip.image_features from golden pixels");
    }

    [Fact]
    public void Pixels_of_another_grid_are_refused_with_both_shapes()
    {
        using var scope = NewDisposeScope();
        var pixels = fixture.Golden.Read("pixel_values");

        var error = Assert.Throws<ArgumentException>(() => Next.EncodePixels(pixels, (600, 600), ImageEncodeOptions.Vanilla));

        Assert.Contains("[4, 3, 112, 112]", error.Message);
        Assert.Contains("[5, 3, 112, 112]", error.Message);
        // The facade takes anyres pixels too; without the photo's size it cannot pick the grid, and says so.
        Assert.Contains("image_sizes", Assert.Throws<ArgumentException>(() => Pipeline.EncodePixels(pixels)).Message);
        using var withSize = Pipeline.EncodePixels(pixels, (250, 600), ImageEncodeOptions.Zip(Budget));
        TensorAssert.Close(fixture.Golden.Read("zip.image_features"), withSize.Projected!, "zip.image_features through the facade");
    }

    [Fact]
    public void Chat_session_reproduces_the_zipped_greedy_tokens()
    {
        using var session = new ChatSession(Pipeline, Budget);

        var turn = session.Ask(Question, [ImageDecoder.Load(LlavaNextFixture.WidePhoto)], Greedy8);

        using var scope = NewDisposeScope();
        Assert.Equal(100, turn.PrefillTokens);
        TensorAssert.Close(fixture.Golden.Read("zip.last_logits"), tensor(turn.PrefillLogits!).unsqueeze(0), "chat turn logits");
        TensorAssert.Equal(fixture.Golden.Read("zip.greedy_tokens"), tensor(turn.AnswerIds.Select(id => (long)id).ToArray()).unsqueeze(0), "chat turn tokens");
    }

    private void AssertGeneration(string path, long[] ids, EncodedImage image)
    {
        var golden = fixture.Golden;
        using var cache = Pipeline.LanguageModel.CreateCache();
        using (var prefill = Pipeline.Prefill(ids, [image], cache))
        {
            Assert.Equal(ids.Length - 1 + image.TokenCount, prefill.Tokens);
            TensorAssert.Close(golden.Read($"{path}.last_logits"), prefill.Logits, $"{path}.last_logits");
        }

        var answer = Pipeline.Generate(ids, [image], Greedy8);
        using var tokens = tensor(answer.Tokens.Select(id => (long)id).ToArray()).unsqueeze(0);
        using var logits = answer.Generation.StepLogitsTensor();
        TensorAssert.Equal(golden.Read($"{path}.greedy_tokens"), tokens, $"{path}.greedy_tokens");
        TensorAssert.Close(golden.Read($"{path}.greedy_logits"), logits, $"{path}.greedy_logits");
    }

    private static Tensor LayoutTensor(IReadOnlyList<AnyResRow> layout) =>
        tensor(layout.SelectMany(row => new long[] { row.Image, row.Row }).ToArray(), [layout.Count, 2]);
}
