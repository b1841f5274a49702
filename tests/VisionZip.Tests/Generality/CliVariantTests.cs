using System.Text.Json;
using VisionZip.Cli;
using VisionZip.Models.IO;
using VisionZip.Tests.Support;
using static TorchSharp.torch;

namespace VisionZip.Tests.Generality;

/// <summary>
/// The <c>visionzip</c> CLI (in-process) on checkpoint variants: <c>encode</c> and <c>generate</c> write bit-identical
/// tensors and the same tokens and text for a respelled / resharded copy as for the original, and for a half-precision
/// copy as for the F32 copy of its rounded weights.
/// </summary>
public sealed class CliVariantTests : IDisposable
{
    private static readonly string Coffee = Fixtures.Path("images", "coffee.png");
    private readonly ScratchDirectory _scratch = new();

    public static TheoryData<string, string, string[]> EncodeCases => new()
    {
        { "clip-vit-tiny-patch14-336", "respell:AsIs shards:3", [] },
        { "clip-vit-tiny-patch14-336", "half:Float16", ["--dominant", "20", "--contextual", "5"] },
        { "siglip-tiny-patch14-384", "half:BFloat16", [] },
        { "llava-1.5-tiny-hf", "respell:Newer shards:3", [] },
        { "llava-1.5-tiny-hf", "respell:Newer shards:1", ["--no-zip", "--image-mode", "pad"] },
        { "llava-interleave-qwen-tiny-hf", "float32", [] },
    };

    public static TheoryData<string, string, string[]> GenerateCases => new()
    {
        { "llava-1.5-tiny-hf", "respell:Newer shards:3", [] },
        { "llava-1.5-tiny-hf", "half:BFloat16", ["--no-zip", "--image-mode", "pad"] },
        { "llava-interleave-qwen-tiny-hf", "respell:Newer shards:3", [] },
        { "llava-interleave-qwen-tiny-hf", "half:Float16", [] },
        { "llava-next-tiny-patch14-112-hf", "respell:Newer shards:1", [] },
        { "llama-tiny", "half:BFloat16", ["--input-ids", "1,17,99,5,230"] },
        { "qwen2-tiny", "respell:AsIs shards:3", ["--input-ids", "3,44,5"] },
    };

    [Theory]
    [MemberData(nameof(EncodeCases))]
    public void Encode_writes_the_same_tensors_for_a_variant(string fixture, string variant, string[] extra)
    {
        var (expectedDirectory, actualDirectory) = Pair(fixture, variant);
        string expected = Path.Combine(_scratch.Path, "expected.safetensors");
        string actual = Path.Combine(_scratch.Path, "actual.safetensors");
        Run(["encode", "--model", expectedDirectory, "--image", Coffee, "--out", expected, .. extra]);
        Run(["encode", "--model", actualDirectory, "--image", Coffee, "--out", actual, .. extra]);
        AssertSameTensors(expected, actual, $"encode {fixture} ({variant})");
    }

    [Theory]
    [MemberData(nameof(GenerateCases))]
    public void Generate_gives_the_same_tokens_and_logits_for_a_variant(string fixture, string variant, string[] extra)
    {
        var (expectedDirectory, actualDirectory) = Pair(fixture, variant);
        bool llava = fixture.StartsWith("llava", StringComparison.Ordinal);
        string[] input = llava ? ["--image", Coffee, "--prompt", "What is shown in this image?"] : [];
        var runs = new List<JsonDocument>();
        try
        {
            foreach (var (directory, name) in new[] { (expectedDirectory, "expected"), (actualDirectory, "actual") })
            {
                string logits = Path.Combine(_scratch.Path, $"{name}.logits.safetensors");
                string output = Run(["generate", "--model", directory, .. input, "--greedy", "--max-new-tokens", "4", "--json",
                    "--logits-out", logits, .. extra]);
                runs.Add(JsonDocument.Parse(output));
            }

            AssertSameTensors(Path.Combine(_scratch.Path, "expected.logits.safetensors"), Path.Combine(_scratch.Path, "actual.logits.safetensors"),
                $"generate {fixture} ({variant})");
            foreach (string field in new[] { "token_ids", "text", "prompt_token_ids" })
            {
                Assert.Equal(runs[0].RootElement.GetProperty(field).GetRawText(), runs[1].RootElement.GetProperty(field).GetRawText());
            }
        }
        finally
        {
            runs.ForEach(r => r.Dispose());
        }
    }

    public void Dispose() => _scratch.Dispose();

    // (directory whose outputs are expected, variant directory): the original for a respelled / resharded / F32 copy,
    // the F32 copy of the rounded weights for a half-precision one.
    private (string Expected, string Actual) Pair(string fixture, string variant)
    {
        string source = Fixtures.Path(fixture);
        string[] parts = variant.Split(' ');
        if (parts[0].StartsWith("half:", StringComparison.Ordinal))
        {
            var dtype = Enum.Parse<ScalarType>(parts[0]["half:".Length..]);
            var spelling = fixture.StartsWith("llava", StringComparison.Ordinal) ? LlavaSpelling.Newer : LlavaSpelling.AsIs;
            return (CheckpointVariant.Write(source, _scratch.Sub("twin"), new VariantOptions(StorageType: ScalarType.Float32, RoundThrough: dtype)),
                CheckpointVariant.Write(source, _scratch.Sub("half"), new VariantOptions(spelling, Shards: 3, StorageType: dtype)));
        }

        if (parts[0] == "float32")
        {
            return (source, CheckpointVariant.Write(source, _scratch.Sub("f32"), new VariantOptions(Shards: 2, StorageType: ScalarType.Float32)));
        }

        var respelling = Enum.Parse<LlavaSpelling>(parts[0]["respell:".Length..]);
        int shards = int.Parse(parts[1]["shards:".Length..], System.Globalization.CultureInfo.InvariantCulture);
        return (source, CheckpointVariant.Write(source, _scratch.Sub("variant"), new VariantOptions(respelling, shards)));
    }

    private static string Run(string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        int code = CliApp.Run(args, output, error);
        Assert.True(code == 0, $"visionzip {string.Join(' ', args)} exited {code}\n{output}\n{error}");
        return output.ToString();
    }

    private static void AssertSameTensors(string expectedPath, string actualPath, string what)
    {
        using var expected = SafetensorsFile.Open(expectedPath);
        using var actual = SafetensorsFile.Open(actualPath);
        Assert.Equal(expected.Tensors.Keys.Order(StringComparer.Ordinal), actual.Tensors.Keys.Order(StringComparer.Ordinal));
        Assert.NotEmpty(expected.Tensors);
        foreach (string name in expected.Tensors.Keys)
        {
            using var scope = NewDisposeScope();
            BitExact.Equal(expected.Read(name), actual.Read(name), $"{what}: {name}");
        }
    }
}
