using VisionZip.Models;
using VisionZip.Models.Checkpoints;
using VisionZip.Models.Errors;
using VisionZip.Tests.Support;

namespace VisionZip.Tests.Checkpoints;

public class CheckpointDirectoryTests
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
    public void Kind_is_detected_for_every_fixture(string folder, CheckpointKind expected)
    {
        using var directory = CheckpointDirectory.Open(Fixtures.Path(folder));
        Assert.Equal(expected, directory.Kind);
        Assert.Equal(expected != CheckpointKind.Decoder, directory.HasVisionEncoder);
        Assert.Equal(expected is not (CheckpointKind.ClipVision or CheckpointKind.SiglipVision), directory.HasLanguageModel);
        string configText = File.ReadAllText(Fixtures.Path(folder, "config.json"));
        Assert.Contains($"\"{directory.ModelType}\"", configText, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(FixtureKinds))]
    public void A_whole_load_reads_every_file_of_the_directory_exactly_once(string folder, CheckpointKind kind)
    {
        using var directory = CheckpointDirectory.Open(Fixtures.Path(folder));
        CheckpointLoads.LoadEveryPart(directory);

        var reads = directory.FileReads;
        Assert.Equal(kind, directory.Kind);
        Assert.All(reads, read => Assert.True(read.Value == 1, $"{folder}/{read.Key} was read {read.Value} times"));

        // Every file a loader uses was read: all but the parity goldens and tokenizer.json (not supported on its own).
        var expected = Directory.EnumerateFiles(directory.Path).Select(Path.GetFileName)
            .Where(name => !name!.StartsWith("golden.", StringComparison.Ordinal) && name != "tokenizer.json")
            .Order(StringComparer.Ordinal);
        Assert.Equal(expected, reads.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void The_weights_are_opened_once_and_stay_open_until_the_directory_is_disposed()
    {
        var directory = CheckpointDirectory.Open(Fixtures.Path("llava-1.5-tiny-hf"));
        var first = directory.Weights;
        Assert.Same(first, directory.Weights);
        Assert.True(first.Contains("multi_modal_projector.linear_1.weight") || first.Contains("model.multi_modal_projector.linear_1.weight"));
        directory.Dispose();
        Assert.Throws<ObjectDisposedException>(() => directory.Weights);
    }

    [Theory]
    [InlineData("""{"model_type": "llava", "vision_config": {"model_type": "siglip_vision_model"}, "text_config": {"model_type": "qwen2"}}""", CheckpointKind.LlavaInterleave)]
    [InlineData("""{"model_type": "llava", "vision_config": {"model_type": "siglip_vision_model"}}""", CheckpointKind.LlavaInterleave)]
    [InlineData("""{"model_type": "llava", "text_config": {"model_type": "mistral"}}""", CheckpointKind.Llava15)]
    [InlineData("""{"model_type": "llava"}""", CheckpointKind.Llava15)]
    [InlineData("""{"model_type": "clip"}""", CheckpointKind.ClipVision)]
    [InlineData("""{"model_type": "siglip_vision_model"}""", CheckpointKind.SiglipVision)]
    [InlineData("""{"model_type": "mistral"}""", CheckpointKind.Decoder)]
    public void Llava_is_interleave_when_its_tower_is_siglip(string config, CheckpointKind expected)
    {
        using var scratch = new ScratchConfig(config);
        using var directory = CheckpointDirectory.Open(scratch.Path);
        Assert.Equal(expected, directory.Kind);
    }

    [Theory]
    [InlineData("""{"model_type": "llava_onevision"}""", "model_type 'llava_onevision' is not supported")]
    [InlineData("""{"architectures": ["Foo"]}""", "no model_type")]
    [InlineData("""{"model_type": 7}""", "'model_type' must be a string, got 7")]
    public void An_unsupported_or_missing_model_type_names_the_file_and_lists_the_supported_types(string config, string expected)
    {
        using var scratch = new ScratchConfig(config);
        using var directory = CheckpointDirectory.Open(scratch.Path);
        var error = Assert.Throws<CheckpointException>(() => directory.Kind);
        Assert.Contains(Path.Combine(scratch.Path, "config.json"), error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.All(CheckpointDirectory.SupportedModelTypes, type => Assert.Contains(type, error.Message, StringComparison.Ordinal));
    }

    [Fact]
    public void A_directory_without_config_json_has_no_kind_and_says_which_file_is_missing()
    {
        using var directory = CheckpointDirectory.Open(Fixtures.Path("images"));
        var error = Assert.Throws<FileNotFoundException>(() => directory.Kind);
        Assert.Contains(Fixtures.Path("images", "config.json"), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Opening_a_missing_directory_or_a_file_is_refused_by_name()
    {
        string missing = Fixtures.Path("no-such-checkpoint");
        var error = Assert.Throws<DirectoryNotFoundException>(() => CheckpointDirectory.Open(missing));
        Assert.Contains(missing, error.Message, StringComparison.Ordinal);

        string file = Fixtures.Path("llama-tiny", "config.json");
        var fileError = Assert.Throws<DirectoryNotFoundException>(() => CheckpointDirectory.Open(file));
        Assert.Contains("is a file", fileError.Message, StringComparison.Ordinal);
    }

    /// <summary>A temporary directory holding one config.json.</summary>
    private sealed class ScratchConfig : IDisposable
    {
        public ScratchConfig(string config)
        {
            Path = Directory.CreateTempSubdirectory("visionzip-checkpoint-").FullName;
            File.WriteAllText(System.IO.Path.Combine(Path, "config.json"), config);
        }

        public string Path { get; }

        public void Dispose()
        {
            try
            {
                Directory.Delete(Path, recursive: true);
            }
            catch (IOException)
            {
                // A leftover temp folder must not fail a test.
            }
        }
    }
}
