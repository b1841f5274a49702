using VisionZip.Models;
using VisionZip.Models.Errors;
using VisionZip.Models.IO;
using VisionZip.Models.Imaging;
using VisionZip.Models.Llava;
using VisionZip.Tests.Support;
using static TorchSharp.torch;

namespace VisionZip.Tests.Facade;

/// <summary>
/// The facade decides a directory's kind from config.json in one place, loads that kind's parts, and refuses by name
/// what the kind cannot do.
/// </summary>
public sealed class CheckpointKindTests
{
    public static TheoryData<string, CheckpointKind> FixtureKinds => new()
    {
        { "clip-vit-tiny-patch14-336", CheckpointKind.ClipVision },
        { "siglip-tiny-patch14-384", CheckpointKind.SiglipVision },
        { "llama-tiny", CheckpointKind.Decoder },
        { "qwen2-tiny", CheckpointKind.Decoder },
        { "llava-1.5-tiny-hf", CheckpointKind.Llava15 },
        { "llava-interleave-qwen-tiny-hf", CheckpointKind.LlavaInterleave },
        { "llava-next-tiny-patch14-112-hf", CheckpointKind.LlavaNext },
    };

    [Theory]
    [MemberData(nameof(FixtureKinds))]
    public void Every_fixture_directory_is_detected_and_loads_the_parts_of_its_kind(string fixture, CheckpointKind expected)
    {
        string directory = Fixtures.Path(fixture);
        Assert.Equal(expected, CheckpointKinds.Detect(directory));

        using var model = VisionLanguageModel.Load(directory);
        Assert.Equal(expected, model.Kind);
        Assert.Equal(expected.HasVision(), model.HasVision);
        Assert.Equal(expected.HasLanguageModel(), model.HasLanguageModel);
        if (model.HasVision)
        {
            string layout = expected == CheckpointKind.LlavaNext ? "anyres" : "single-tile";
            Assert.Equal(layout, model.ImageLayout.Name);
        }
    }

    [Fact]
    public void Per_family_default_budgets_are_the_papers()
    {
        Assert.Equal(new ZipBudget(54, 10), CheckpointKind.Llava15.DefaultBudget());
        Assert.Equal(new ZipBudget(54, 10), CheckpointKind.LlavaInterleave.DefaultBudget());
        Assert.Equal(new ZipBudget(27, 5), CheckpointKind.LlavaNext.DefaultBudget());
    }

    [Fact]
    public void An_encoder_encodes_but_refuses_generation_naming_its_kind()
    {
        using var model = VisionLanguageModel.Load(Fixtures.Path("clip-vit-tiny-patch14-336"));
        var image = ImageDecoder.Load(Fixtures.Path("images", "astronaut.png"));
        using (var encoded = model.EncodeImage(image, new ImageEncodeOptions { Reducer = new SpatialPoolReducer(16) }))
        {
            Assert.Null(encoded.Projected);
            Assert.Equal([1L, 16L, model.VisionTower.Config.HiddenSize], encoded.ImageFeatures.shape);
        }

        var error = Assert.Throws<InvalidOperationException>(() => model.Generate([1L, 2L], []));
        Assert.Contains("ClipVision", error.Message, StringComparison.Ordinal);
        Assert.Contains("language model", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_llava_loaded_for_vision_only_encodes_and_says_why_it_cannot_generate()
    {
        using var model = VisionLanguageModel.Load(Fixtures.Path("llava-1.5-tiny-hf"), parts: ModelParts.Vision);
        Assert.True(model.HasVision);
        Assert.False(model.HasLanguageModel);
        var image = ImageDecoder.Load(Fixtures.Path("images", "astronaut.png"));
        using (var encoded = model.EncodeImage(image, ImageEncodeOptions.Zip(model.DefaultBudget)))
        {
            Assert.Equal(model.DefaultBudget.Total, encoded.TokenCount);
        }

        var error = Assert.Throws<InvalidOperationException>(() => model.Generate([1L, 2L], []));
        Assert.Contains("ModelParts.Vision", error.Message, StringComparison.Ordinal);
        Assert.Contains("language model", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_decoder_checks_prompt_ids_but_refuses_images_naming_its_kind()
    {
        using var model = VisionLanguageModel.Load(Fixtures.Path("llama-tiny"));
        Assert.Equal([1L, 5L, 7L], model.PreparePrompt(null, inputIds: [1L, 5L, 7L]));
        var noTokenizer = Assert.Throws<PromptException>(() => model.PreparePrompt("Hello"));   // the fixture has no tokenizer files
        Assert.Contains("tokenizer", noTokenizer.Message, StringComparison.Ordinal);

        var image = ImageDecoder.Load(Fixtures.Path("images", "astronaut.png"));
        var error = Assert.Throws<InvalidOperationException>(() => model.EncodeImage(image));
        Assert.Contains("Decoder", error.Message, StringComparison.Ordinal);
        Assert.Contains("vision tower", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("llama-tiny")]
    [InlineData("qwen2-tiny")]
    public void A_bare_decoder_generates_through_the_facade_as_the_golden_greedy_tokens(string fixture)
    {
        using var model = VisionLanguageModel.Load(Fixtures.Path(fixture));
        using var golden = SafetensorsFile.Open(Fixtures.Path(fixture, "golden.safetensors"));
        using var scope = NewDisposeScope();
        var inputIds = golden.Read("input_ids");                 // [B, T]
        var greedy = golden.Read("greedy_tokens");               // [B, 8]
        var options = model.DefaultGenerationOptions with { DoSample = false, MaxNewTokens = (int)greedy.shape[1], EosTokenIds = [] };
        for (int row = 0; row < inputIds.shape[0]; row++)
        {
            long[] ids = inputIds[row].data<long>().ToArray();
            var answer = model.Generate(ids, [], options);
            Assert.Equal(greedy[row].data<long>().ToArray(), answer.Tokens.Select(t => (long)t).ToArray());
            Assert.Equal(ids.Length, answer.PromptTokens);
        }

        var error = Assert.Throws<InvalidOperationException>(() => model.ImageLayout);
        Assert.Contains("Decoder", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unsupported_model_type_is_refused_naming_the_file_and_field()
    {
        string directory = Directory.CreateTempSubdirectory("vz-kind-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(directory, "config.json"), """{ "model_type": "gpt2" }""");
            var error = Assert.Throws<CheckpointException>(() => VisionLanguageModel.Load(directory));
            Assert.Equal("model_type", error.Field);
            Assert.Contains("config.json", error.Message, StringComparison.Ordinal);
            Assert.Contains("'gpt2'", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
