using VisionZip.Models;
using VisionZip.Models.Generation;
using VisionZip.Models.Imaging;
using VisionZip.Models.Llava;
using VisionZip.Tests.Support;
using static TorchSharp.torch;

namespace VisionZip.Tests.Llava;

/// <summary>tests/fixtures/llava-1.5-tiny-hf: CLIP + llama, 'crop' and 'pad', vanilla and VisionZip 54+10, end to end from the photo.</summary>
public sealed class Llava15ParityTests(Llava15Fixture fixture) : IClassFixture<Llava15Fixture>
{
    private const string Question = "What is shown in this image?";
    private static readonly ZipBudget Budget = new(54, 10);

    private VisionLanguageModel Pipeline => fixture.Pipeline;

    // The goldens: 8 greedy tokens, no end-of-sequence stop, with the logits that chose them.
    private GenerationOptions Greedy8 => Pipeline.DefaultGenerationOptions with
    {
        DoSample = false, MaxNewTokens = 8, EosTokenIds = [], ReturnLogits = true,
    };

    [Fact]
    public void Loads_the_sharded_llama_checkpoint_with_its_lm_head()
    {
        Assert.Equal(LlavaTensorNames.Original.LmHead, Pipeline.TensorNames.LmHead);
        Assert.Equal(576, Pipeline.VanillaTokenCount);
        Assert.Equal(1000, Pipeline.Config.ImageTokenIndex);
    }

    [Fact]
    public void Prompt_ids_come_from_the_llava15_conversation_format()
    {
        Assert.Equal("USER: <image>\nWhat is shown in this image? ASSISTANT:", Pipeline.FormatPrompt(Question));
        using var scope = NewDisposeScope();
        TensorAssert.Equal(fixture.Golden.Read("input_ids"), tensor(Pipeline.PromptIds(Question)).unsqueeze(0), "input_ids");
    }

    [Theory]
    [InlineData("crop")]
    [InlineData("pad")]
    public void Zipped_image_matches_features_indices_embeddings_logits_and_greedy_tokens(string mode)
    {
        using var scope = NewDisposeScope();
        using var image = Pipeline.EncodeImage(ImageDecoder.Load(LlavaCheckpointFixture.Photo), Budget, Mode(mode));
        var golden = fixture.Golden;

        Assert.Equal((576, 64), (image.Stats.TokensBefore, image.Stats.TokensAfter));
        TensorAssert.Equal(golden.Read($"{mode}.zip.kept"), image.Zip!.KeptIndices, $"{mode}.zip.kept");
        TensorAssert.Equal(golden.Read($"{mode}.zip.targets"), image.Zip.ContextualTargets, $"{mode}.zip.targets");
        TensorAssert.Close(golden.Read($"{mode}.zip.image_features")[0], image.ImageFeatures[0], $"{mode}.zip.image_features");
        TensorAssert.Close(golden.Read($"{mode}.zip.projected")[0], image.Projected!, $"{mode}.zip.projected");

        long[] ids = Pipeline.PromptIds(Question);
        TensorAssert.Close(golden.Read($"{mode}.zip.inputs_embeds"), Pipeline.EmbedPrompt(ids, [image]), $"{mode}.zip.inputs_embeds");
        AssertGeneration($"{mode}.zip", ids, image);
    }

    [Theory]
    [InlineData("crop")]
    [InlineData("pad")]
    public void Vanilla_image_matches_features_logits_and_greedy_tokens(string mode)
    {
        using var scope = NewDisposeScope();
        using var image = Pipeline.EncodeImage(LlavaCheckpointFixture.Photo, budget: null, Mode(mode));
        var golden = fixture.Golden;

        Assert.Null(image.Zip);
        Assert.Equal(576, image.TokenCount);
        TensorAssert.Close(golden.Read($"{mode}.vision.hidden_states_m2")[0].narrow(0, 1, 576), image.ImageFeatures[0], $"{mode}.vanilla image features");
        AssertGeneration($"{mode}.vanilla", Pipeline.PromptIds(Question), image);
    }

    [Fact]
    public void Expanded_prompt_ids_give_the_same_logits()
    {
        using var scope = NewDisposeScope();
        using var image = Pipeline.EncodeImage(LlavaCheckpointFixture.Photo, Budget, ImageMode.Crop);
        long[] expanded = fixture.Golden.Read("input_ids_expanded.zip").data<long>().ToArray();
        using var cache = Pipeline.LanguageModel.CreateCache();

        using var prefill = Pipeline.Prefill(expanded, [image], cache);

        Assert.Equal(81, prefill.Tokens);
        TensorAssert.Close(fixture.Golden.Read("crop.zip.last_logits"), prefill.Logits, "crop.zip.last_logits from expanded ids");
    }

    [Fact]
    public void Vanilla_expanded_ids_with_a_zipped_image_name_both_counts()
    {
        using var scope = NewDisposeScope();
        using var image = Pipeline.EncodeImage(LlavaCheckpointFixture.Photo, Budget, ImageMode.Crop);
        long[] expanded = fixture.Golden.Read("input_ids_expanded.vanilla").data<long>().ToArray();
        using var cache = Pipeline.LanguageModel.CreateCache();

        var error = Assert.Throws<ArgumentException>(() => Pipeline.Prefill(expanded, [image], cache));

        Assert.Contains("576 <image> placeholder tokens (id 1000)", error.Message);
        Assert.Contains("[64]", error.Message);
        Assert.Equal(0, cache.Length);
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
        Assert.Equal(ids.Length - 1 + image.TokenCount, answer.PromptTokens);
    }

    private static ImageMode Mode(string mode) => mode == "pad" ? ImageMode.Pad : ImageMode.Crop;

    [Fact]
    public void Golden_pixel_values_give_the_golden_zipped_tokens_without_preprocessing()
    {
        using var scope = NewDisposeScope();
        using var image = Pipeline.EncodePixels(fixture.Golden.Read("pad.pixel_values"), options: ImageEncodeOptions.Zip(Budget));

        Assert.Equal(TimeSpan.Zero, image.Stats.Preprocess);
        TensorAssert.Close(fixture.Golden.Read("pad.zip.projected")[0], image.Projected!, "pad.zip.projected from golden pixels");
    }

    [Fact]
    public void Preprocessed_pixels_match_the_goldens()
    {
        using var scope = NewDisposeScope();
        var photo = ImageDecoder.Load(LlavaCheckpointFixture.Photo);

        TensorAssert.PixelsClose(fixture.Golden.Read("crop.pixel_values"), Pipeline.ImageProcessor.Preprocess(photo, ImageMode.Crop), "crop.pixel_values");
        TensorAssert.PixelsClose(fixture.Golden.Read("pad.pixel_values"), Pipeline.ImageProcessor.Preprocess(photo, ImageMode.Pad), "pad.pixel_values");
    }

    [Fact]
    public void Missing_directory_is_named()
    {
        var error = Assert.Throws<DirectoryNotFoundException>(() => VisionLanguageModel.Load(Fixtures.Path("no-such-model")));

        Assert.Contains("no-such-model", error.Message);
    }
}
