using System.Text;
using VisionZip.Models.Checkpoints;
using VisionZip.Models.Generation;
using VisionZip.Models.Imaging;
using VisionZip.Models.Language;
using VisionZip.Models.Llava;
using VisionZip.Models.Tokenization;
using VisionZip.Models.Vision;
using VisionZip.Tests.Support;

namespace VisionZip.Tests.Checkpoints;

/// <summary>
/// One JSON policy: every reader of a checkpoint file refuses the same malformed input with the same message, naming the
/// file and (for syntax errors) the line and column.
/// </summary>
public class JsonPolicyTests
{
    private const string Source = "llava-1.5-tiny-hf";

    // Each reader that reads the file, through its public path-based entry point or the directory overload.
    private static readonly Dictionary<string, Action<string>[]> Readers = new()
    {
        ["config.json"] =
        [
            dir => LlavaConfig.Load(dir),
            dir => VisionConfig.Load(dir),
            dir => VisionFeatureSelection.Load(dir),
            dir => VisionTower.Load(dir).Dispose(),
            dir => LlavaMultiModalProjector.Load(dir).Dispose(),
            dir => LlamaForCausalLM.Load(dir).Dispose(),
            dir => DecoderConfig.FromFile(Path.Combine(dir, "config.json")),
            dir => ChatTemplate.FromCheckpoint(dir),
            dir => { using var d = CheckpointDirectory.Open(dir); _ = d.Kind; },
        ],
        ["preprocessor_config.json"] =
        [
            dir => ImageProcessorConfig.Load(dir),
            dir => ImageProcessor.Load(dir),
            dir => AnyResProcessor.Load(dir),
        ],
        ["tokenizer_config.json"] =
        [
            dir => TokenizerLoader.Load(dir),
            dir => ChatTemplate.FromCheckpoint(dir),
        ],
        ["special_tokens_map.json"] = [dir => TokenizerLoader.Load(dir), dir => ChatTemplate.FromCheckpoint(dir)],
        ["added_tokens.json"] = [dir => TokenizerLoader.Load(dir)],
        ["generation_config.json"] =
        [
            dir => GenerationOptions.FromGenerationConfig(Path.Combine(dir, "generation_config.json")),
            dir => { using var d = CheckpointDirectory.Open(dir); GenerationOptions.FromCheckpoint(d); },
            dir => TokenizerLoader.Load(dir),
        ],
    };

    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (string file in Readers.Keys)
        {
            foreach (string corruption in new[] { "trailing comma", "comment", "duplicate key", "array at the top", "invalid UTF-8" })
            {
                data.Add(file, corruption);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Every_reader_refuses_the_same_malformed_file_with_the_same_message(string file, string corruption)
    {
        using var scratch = CopyOfFixture();
        string path = Path.Combine(scratch.Path, file);
        File.WriteAllBytes(path, Corrupt(File.ReadAllText(path), corruption));

        var messages = Readers[file].Select(read => Assert.Throws<InvalidDataException>(() => read(scratch.Path)).Message).ToList();

        Assert.All(messages, message => Assert.StartsWith(path + ": ", message, StringComparison.Ordinal));
        Assert.Single(messages.Distinct(StringComparer.Ordinal));
        string expected = corruption switch
        {
            "trailing comma" => "not valid JSON at line 1, column ",
            "comment" => "not valid JSON at line 1, column 2: a comment",
            "duplicate key" => "not valid JSON: the key '",
            "array at the top" => "expected a JSON object at the top level, found an array",
            _ => "not valid UTF-8",
        };
        Assert.Contains(expected, messages[0], StringComparison.Ordinal);
        if (corruption == "trailing comma")
        {
            Assert.Contains("trailing comma", messages[0], StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_syntax_error_gives_the_line_and_column_of_the_problem()
    {
        var error = Assert.Throws<InvalidDataException>(() => LlavaConfig.Parse("{\n  \"model_type\": \"llava\",\n  \"a\": [1, 2,],\n}", "cfg.json"));
        Assert.StartsWith("cfg.json: not valid JSON at line 3, column ", error.Message, StringComparison.Ordinal);
        Assert.Contains("trailing comma", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_field_of_the_wrong_type_names_the_file_the_field_the_expected_and_the_actual_value()
    {
        var error = Assert.Throws<InvalidDataException>(() =>
            DecoderConfig.Parse("""{"model_type": "llama", "vocab_size": 1e12}""", "config.json"));
        Assert.Contains("config.json", error.Message, StringComparison.Ordinal);
        Assert.Contains("vocab_size", error.Message, StringComparison.Ordinal);
        Assert.Contains("1e12", error.Message, StringComparison.Ordinal);
    }

    // Writes the file back with one policy violation; line 1 holds the first '{' in every fixture file.
    private static byte[] Corrupt(string json, string corruption)
    {
        json = json.Trim();
        return corruption switch
        {
            "trailing comma" => Encoding.UTF8.GetBytes(SingleLine(json)[..^1].TrimEnd() + ",}"),
            "comment" => Encoding.UTF8.GetBytes("{/* note */" + json[1..]),
            "duplicate key" => Encoding.UTF8.GetBytes(DuplicateFirstKey(json)),
            "array at the top" => Encoding.UTF8.GetBytes("[" + json + "]"),
            _ => [.. Encoding.UTF8.GetBytes(json[..^1] + ", \"bad\": \""), 0xC3, 0x28, .. "\"}"u8.ToArray()],
        };
    }

    // One line, so the trailing comma's position is on line 1 whatever the file's layout.
    private static string SingleLine(string json) => System.Text.Json.Nodes.JsonNode.Parse(json)!.ToJsonString();

    private static string DuplicateFirstKey(string json)
    {
        var root = System.Text.Json.Nodes.JsonNode.Parse(json)!.AsObject();
        var (name, value) = root.First();
        return "{" + $"\"{name}\": {value?.ToJsonString() ?? "null"}, " + SingleLine(json)[1..];
    }

    private static Generality.ScratchDirectory CopyOfFixture()
    {
        var scratch = new Generality.ScratchDirectory();
        foreach (string file in Directory.EnumerateFiles(Fixtures.Path(Source)))
        {
            string name = Path.GetFileName(file);
            if (!name.StartsWith("golden.", StringComparison.Ordinal))
            {
                File.Copy(file, Path.Combine(scratch.Path, name));
            }
        }

        return scratch;
    }
}
