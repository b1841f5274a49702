using System.Text.Json;
using VisionZip.Models.IO;
using VisionZip.Models.Tokenization;
using VisionZip.Tests.Support;

namespace VisionZip.Tests.Tokenization;

/// <summary>Prompt ids and pieces of the three LLaVA fixture folders, exactly.</summary>
public class TokenizerFixtureTests
{
    public static TheoryData<string> LlavaFolders => new()
    {
        "llava-1.5-tiny-hf",
        "llava-next-tiny-patch14-112-hf",
        "llava-interleave-qwen-tiny-hf",
    };

    [Theory]
    [MemberData(nameof(LlavaFolders))]
    public void Encode_reproduces_the_golden_input_ids(string folder)
    {
        var tokenizer = TokenizerLoader.Load(Fixtures.Path(folder));
        var golden = ReadIds(folder, "input_ids");

        var ids = tokenizer.Encode(Prompt(folder));

        Assert.Equal(golden, ids.Select(id => (long)id).ToArray());
    }

    [Theory]
    [MemberData(nameof(LlavaFolders))]
    public void Encode_reproduces_the_golden_prompt_pieces(string folder)
    {
        var tokenizer = TokenizerLoader.Load(Fixtures.Path(folder));
        var pieces = GoldenJson(folder).GetProperty("prompt_pieces").EnumerateArray().Select(p => p.GetString()!).ToArray();

        var actual = tokenizer.Encode(Prompt(folder)).Select(id => tokenizer.IdToToken(id)).ToArray();

        Assert.Equal(pieces, actual);
    }

    [Theory]
    [MemberData(nameof(LlavaFolders))]
    public void Expanded_input_ids_differ_only_by_repeated_image_ids(string folder)
    {
        var tokenizer = TokenizerLoader.Load(Fixtures.Path(folder));
        int image = tokenizer.ImageTokenId!.Value;
        var prompt = tokenizer.Encode(Prompt(folder));
        var expanded = ReadIds(folder, "input_ids_expanded.zip");
        int repeats = expanded.Count(id => id == image);

        var rebuilt = prompt.SelectMany(id => id == image ? Enumerable.Repeat((long)id, repeats) : [id]).ToArray();

        Assert.Equal(expanded, rebuilt);
    }

    [Theory]
    [MemberData(nameof(LlavaFolders))]
    public void Decode_without_special_tokens_returns_the_prompt_text_minus_special_tokens(string folder)
    {
        var tokenizer = TokenizerLoader.Load(Fixtures.Path(folder));
        string prompt = Prompt(folder);
        var ids = tokenizer.Encode(prompt);

        Assert.Equal(prompt, tokenizer.Decode(ids.Where(id => id != tokenizer.BosId)));
        string withoutSpecial = prompt.Replace("<image>", "").Replace("<|im_start|>", "").Replace("<|im_end|>", "");
        Assert.Equal(withoutSpecial, tokenizer.Decode(ids, skipSpecialTokens: true));
    }

    [Fact]
    public void Greedy_tokens_decode_to_the_golden_pieces_and_text()
    {
        const string folder = "llava-interleave-qwen-tiny-hf";
        var tokenizer = TokenizerLoader.Load(Fixtures.Path(folder));
        var greedy = GoldenJson(folder).GetProperty("greedy");
        foreach (string path in new[] { "vanilla", "zip" })
        {
            var tokens = ReadIds(folder, $"{path}.greedy_tokens").Select(id => (int)id).ToArray();
            var pieces = greedy.GetProperty(path).GetProperty("decoded_pieces").EnumerateArray().Select(p => p.GetString());
            string text = greedy.GetProperty(path).GetProperty("decoded_text").GetString()!;

            Assert.Equal(pieces, tokens.Select(tokenizer.IdToToken));
            Assert.Equal(text, tokenizer.Decode(tokens, skipSpecialTokens: true));
        }
    }

    [Theory]
    [InlineData("llava-1.5-tiny-hf", "pad.zip")]
    [InlineData("llava-1.5-tiny-hf", "crop.zip")]
    [InlineData("llava-next-tiny-patch14-112-hf", "zip")]
    public void Greedy_tokens_map_to_the_golden_sentencepiece_pieces(string folder, string path)
    {
        var tokenizer = TokenizerLoader.Load(Fixtures.Path(folder));
        var tokens = ReadIds(folder, $"{path}.greedy_tokens").Select(id => (int)id).ToArray();
        var pieces = GoldenJson(folder).GetProperty("greedy").GetProperty(path).GetProperty("decoded_pieces")
            .EnumerateArray().Select(p => p.GetString());

        Assert.Equal(pieces, tokens.Select(tokenizer.IdToToken));
    }

    [Fact]
    public void Special_ids_come_from_the_checkpoint_files()
    {
        var llava = TokenizerLoader.Load(Fixtures.Path("llava-1.5-tiny-hf"));
        Assert.IsType<LlamaSentencePieceTokenizer>(llava);
        Assert.Equal(1, llava.BosId);
        Assert.Equal([2], llava.EosIds);
        Assert.Equal(1000, llava.ImageTokenId);
        Assert.Equal(1001, llava.PadId);
        Assert.Equal(1002, llava.VocabSize);
        Assert.True(llava.IsSpecialToken(1000));
        Assert.False(llava.IsSpecialToken(942));

        var qwen = TokenizerLoader.Load(Fixtures.Path("llava-interleave-qwen-tiny-hf"));
        Assert.IsType<Qwen2BpeTokenizer>(qwen);
        Assert.Null(qwen.BosId);
        Assert.Equal([758], qwen.EosIds);
        Assert.Equal(759, qwen.ImageTokenId);
        Assert.Equal(756, qwen.PadId);
        Assert.Equal(760, qwen.VocabSize);
        Assert.Equal(757, qwen.TokenToId("<|im_start|>"));
        Assert.Null(qwen.TokenToId("no such token"));
    }

    internal static string Prompt(string folder) => GoldenJson(folder).GetProperty("prompt").GetString()!;

    internal static JsonElement GoldenJson(string folder)
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(Fixtures.Path(folder, "golden.json")));
        return document.RootElement.Clone();
    }

    // [1, T] int64 golden -> T ids
    internal static long[] ReadIds(string folder, string name)
    {
        using var file = SafetensorsFile.Open(Fixtures.Path(folder, "golden.safetensors"));
        using var tensor = file.Read(name);
        Assert.Equal(1, tensor.shape[0]);
        return tensor.data<long>().ToArray();
    }
}
