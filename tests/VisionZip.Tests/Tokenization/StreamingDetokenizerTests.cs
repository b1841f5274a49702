using VisionZip.Models.Tokenization;
using VisionZip.Tests.Support;

namespace VisionZip.Tests.Tokenization;

public class StreamingDetokenizerTests
{
    private static readonly Lazy<ITextTokenizer> Llama = new(() => TokenizerLoader.Load(Fixtures.Path("llava-1.5-tiny-hf")));
    private static readonly Lazy<ITextTokenizer> Qwen = new(() => TokenizerLoader.Load(Fixtures.Path("llava-interleave-qwen-tiny-hf")));

    [Fact]
    public void A_character_split_over_byte_fallback_tokens_is_held_back_until_complete()
    {
        var tokenizer = Llama.Value;
        var ids = tokenizer.Encode("snow ☃ man", addSpecialTokens: false); // ▁snow ▁ <0xE2> <0x98> <0x83> ▁man
        Assert.Equal(["▁snow", "▁", "<0xE2>", "<0x98>", "<0x83>", "▁man"], ids.Select(tokenizer.IdToToken));
        var stream = new StreamingDetokenizer(tokenizer);

        var pieces = ids.Select(stream.Append).ToArray();

        Assert.Equal(["snow", " ", "", "", "☃", " man"], pieces);
        Assert.Equal("", stream.Flush());
        Assert.Equal("snow ☃ man", stream.Text);
    }

    [Fact]
    public void A_character_split_over_byte_level_symbols_is_held_back_until_complete()
    {
        var tokenizer = Qwen.Value;
        var ids = tokenizer.Encode("emoji 😀!", addSpecialTokens: false); // ... Ġ ð Ł ĺ Ģ !
        var stream = new StreamingDetokenizer(tokenizer);

        var pieces = ids.Select(stream.Append).ToArray();

        Assert.Equal(["e", "m", "o", "j", "i", " ", "", "", "", "😀", "!"], pieces);
    }

    [Fact]
    public void An_incomplete_character_becomes_a_replacement_character_on_flush_or_before_a_special_token()
    {
        var tokenizer = Llama.Value;
        int e2 = tokenizer.TokenToId("<0xE2>")!.Value;
        int word = tokenizer.TokenToId("▁is")!.Value;

        var stream = new StreamingDetokenizer(tokenizer, skipSpecialTokens: false);
        Assert.Equal("", stream.Append(e2));
        Assert.Equal("\uFFFD</s>", stream.Append(2));
        Assert.Equal("", stream.Append(e2));
        Assert.Equal("\uFFFD", stream.Flush());

        // an invalid continuation is replaced at once, the valid byte after it kept
        var other = new StreamingDetokenizer(tokenizer);
        Assert.Equal("", other.Append(e2));
        Assert.Equal("\uFFFD is", other.Append(word));
    }

    [Fact]
    public void The_dummy_prefix_space_is_dropped_at_the_start_of_the_stream_and_after_special_tokens()
    {
        var tokenizer = Llama.Value;
        var generated = tokenizer.Encode("ASS astronauts", addSpecialTokens: false).Append(2).Concat(tokenizer.Encode("again", false));

        var stream = new StreamingDetokenizer(tokenizer);
        string text = stream.Append(generated) + stream.Flush();

        Assert.Equal("ASS astronautsagain", text);
        var kept = new StreamingDetokenizer(tokenizer, skipSpecialTokens: false);
        Assert.Equal("ASS astronauts</s>again", kept.Append(generated));
    }

    [Fact]
    public void Streaming_equals_decode_for_random_id_sequences()
    {
        var random = new Random(1234);
        foreach (var tokenizer in new[] { Llama.Value, Qwen.Value })
        {
            for (int trial = 0; trial < 200; trial++)
            {
                var ids = Enumerable.Range(0, random.Next(1, 12)).Select(_ => random.Next(0, tokenizer.VocabSize + 8)).ToArray();
                foreach (bool skip in new[] { false, true })
                {
                    var stream = new StreamingDetokenizer(tokenizer, skip);
                    string streamed = string.Concat(ids.Select(stream.Append)) + stream.Flush();

                    Assert.Equal(tokenizer.Decode(ids, skip), streamed);
                }
            }
        }
    }

    [Fact]
    public void Reset_starts_a_new_stream()
    {
        var tokenizer = Llama.Value;
        var stream = new StreamingDetokenizer(tokenizer);
        stream.Append(tokenizer.TokenToId("<0xE2>")!.Value);

        stream.Reset();

        Assert.Equal("is", stream.Append(tokenizer.TokenToId("▁is")!.Value));
        Assert.Equal("is", stream.Text);
    }
}
