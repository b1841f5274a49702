using VisionZip.Models.Tokenization;
using VisionZip.Tests.Support;

namespace VisionZip.Tests.Tokenization;

/// <summary>The legacy LLaMA rule (dummy prefix per chunk, added tokens split out) beyond the fixture prompts.</summary>
public class LlamaSentencePieceTokenizerTests
{
    private static readonly Lazy<ITextTokenizer> Tokenizer = new(() => TokenizerLoader.Load(Fixtures.Path("llava-1.5-tiny-hf")));

    [Fact]
    public void Every_chunk_between_added_tokens_gets_its_dummy_prefix()
    {
        var tokenizer = Tokenizer.Value;

        var ids = tokenizer.Encode("A1</s>USER: Q2");

        // BOS, "▁A" "1", </s> = EOS id 2, then "▁USER" ... again with its own ▁.
        Assert.Equal(1, ids[0]);
        Assert.Equal(2, ids[3]);
        Assert.Equal(["▁A", "1"], ids.Skip(1).Take(2).Select(tokenizer.IdToToken));
        Assert.Equal("▁USER", tokenizer.IdToToken(ids[4]));
        Assert.Equal(tokenizer.Encode("USER: Q2", addSpecialTokens: false), ids.Skip(4));
    }

    [Fact]
    public void Without_special_tokens_no_bos_is_added()
    {
        var tokenizer = Tokenizer.Value;

        Assert.Equal(tokenizer.Encode("What").Skip(1), tokenizer.Encode("What", addSpecialTokens: false));
        Assert.Empty(tokenizer.Encode("", addSpecialTokens: false));
        Assert.Equal([1], tokenizer.Encode(""));
    }

    [Theory]
    [InlineData("snow ☃ man")]
    [InlineData("  two  spaces  ")]
    [InlineData("héllo 𠀀 日本\nnew line")]
    [InlineData("USER: <image>\nWhat is shown in this image? ASSISTANT: A1</s>USER: Q2 ASSISTANT:")]
    public void Decode_inverts_encode(string text)
    {
        var tokenizer = Tokenizer.Value;

        Assert.Equal(text, tokenizer.Decode(tokenizer.Encode(text, addSpecialTokens: false)));
    }

    [Fact]
    public void Byte_fallback_pieces_decode_to_their_bytes()
    {
        var tokenizer = Tokenizer.Value;
        int[] snowman = [942, 229, 155, 134]; // ▁ <0xE2> <0x98> <0x83>

        Assert.Equal(["▁", "<0xE2>", "<0x98>", "<0x83>"], snowman.Select(tokenizer.IdToToken));
        Assert.Equal("☃", tokenizer.Decode(snowman));
        Assert.Equal("is ☃", tokenizer.Decode([tokenizer.TokenToId("▁is")!.Value, .. snowman]));
    }

    [Fact]
    public void Special_tokens_are_kept_or_skipped_on_request()
    {
        var tokenizer = Tokenizer.Value;
        var ids = tokenizer.Encode("USER: <image>\nHi");

        Assert.Equal("<s>USER: <image>\nHi", tokenizer.Decode(ids));
        Assert.Equal("USER: \nHi", tokenizer.Decode(ids, skipSpecialTokens: true));
    }

    [Fact]
    public void Ids_beyond_the_vocabulary_decode_to_nothing_and_negative_ids_throw()
    {
        var tokenizer = Tokenizer.Value;

        Assert.Equal("", tokenizer.Decode([1023]));
        Assert.Null(tokenizer.IdToToken(1023));
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => tokenizer.Decode([-1]));
        Assert.Contains("-1", error.Message);
    }
}
