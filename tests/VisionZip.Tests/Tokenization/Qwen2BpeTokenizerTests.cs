using VisionZip.Models.Tokenization;
using VisionZip.Tests.Support;

namespace VisionZip.Tests.Tokenization;

/// <summary>
/// The byte-level BPE rule of FIXTURES.md on text beyond the fixture prompt. Expected values come from a Python
/// formulation of the same rule (<c>regex</c> module findall, GPT-2 byte table, slow-tokenizer BPE loop).
/// </summary>
public class Qwen2BpeTokenizerTests
{
    private static readonly Lazy<ITextTokenizer> Tokenizer = new(() => TokenizerLoader.Load(Fixtures.Path("llava-interleave-qwen-tiny-hf")));

    [Theory]
    [InlineData("It's they'RE 12345 😀 𠀀\n\n  x", new[] { "It", "'s", " they", "'RE", " ", "1", "2", "3", "4", "5", " 😀", " 𠀀", "\n\n", " ", " x" })]
    [InlineData("café \u00e9\t\u3000ok  \n", new[] { "café", " \u00e9", "\t", "\u3000ok", "  \n" })]
    [InlineData("a  \n  b", new[] { "a", "  \n", " ", " b" })]
    [InlineData("end   ", new[] { "end", "   " })]
    [InlineData(" ?!... \nx", new[] { " ?!...", " \n", "x" })]
    [InlineData("k\u212a x'\u017f", new[] { "k\u212a", " x", "'\u017f" })]
    public void Pre_tokenizer_matches_the_qwen2_split_pattern(string text, string[] expected)
    {
        Assert.Equal(expected, Qwen2PreTokenizer.Split(text));
    }

    [Theory]
    [InlineData("It's they'RE 12345 😀 𠀀\n\n  x",
        new[] { 415, 6, 82, 260, 88, 6, 49, 36, 220, 16, 17, 18, 19, 20, 220, 172, 253, 246, 222, 220, 172, 254, 222, 222, 198, 198, 220, 220, 87 })]
    [InlineData("café e\u0301\t\u3000ok  \n", new[] { 66, 64, 69, 127, 102, 220, 127, 102, 197, 159, 222, 222, 682, 220, 220, 198 })]
    [InlineData("<|im_start|>user\n<image>\nWhat?<|im_end|>\n", new[] { 757, 305, 198, 759, 198, 357, 30, 758, 198 })]
    public void Encode_matches_the_reference_rule(string text, int[] expected)
    {
        Assert.Equal(expected, Tokenizer.Value.Encode(text));
    }

    [Theory]
    [InlineData("It's they'RE 12345 😀 𠀀\n\n  x")]
    [InlineData("日本語のテキスト and ASCII")]
    [InlineData("  leading and trailing  ")]
    public void Decode_inverts_encode(string text)
    {
        var tokenizer = Tokenizer.Value;

        Assert.Equal(text, tokenizer.Decode(tokenizer.Encode(text)));
    }

    [Fact]
    public void Encode_normalises_to_nfc()
    {
        var tokenizer = Tokenizer.Value;

        Assert.Equal(tokenizer.Encode("caf\u00e9"), tokenizer.Encode("cafe\u0301"));
    }
}
