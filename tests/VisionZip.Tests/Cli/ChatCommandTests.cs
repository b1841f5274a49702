using TorchSharp;
using VisionZip.Models.IO;
using VisionZip.Models.Tokenization;
using VisionZip.Tests.Support;
using static TorchSharp.torch;

namespace VisionZip.Tests.Cli;

/// <summary><c>chat</c> with piped stdin: answers, per-turn prefill report, <c>/image</c>, <c>/exit</c>.</summary>
public sealed class ChatCommandTests
{
    private static readonly string Llava = Fixtures.Path("llava-1.5-tiny-hf");

    [Fact]
    public void PipedConversation_FirstAnswerMatchesGolden_FollowUpPrefillsOnlyNewTokens()
    {
        using var scope = NewDisposeScope();
        using var golden = SafetensorsFile.Open(Fixtures.Path("llava-1.5-tiny-hf", "golden.safetensors"));
        int[] tokens = golden.Read("crop.zip.greedy_tokens")[0].data<long>().ToArray().Select(t => (int)t).ToArray();
        string expected = TokenizerLoader.Load(Llava).Decode(tokens, skipSpecialTokens: true);
        string input = $"What is shown in this image?\n/image {Fixtures.Path("images", "missing.png")}\n\nAnd now?\n/exit\nnever asked\n";

        CliResult result = CliRunner.RunWithInput(input, "chat", "--model", Llava, "--image", Fixtures.Path("images", "coffee.png"),
            "--greedy", "--max-new-tokens", "8", "--image-mode", "crop");

        Assert.True(result.ExitCode == 0, result.ToString());
        string[] lines = result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(4, lines.Length);
        Assert.Equal(expected, lines[0]);
        Assert.Contains("81 tokens prefilled, 64 of them visual (576 without VisionZip); 0 already cached", lines[1]);
        Assert.Matches(@"prefill [0-9.,]+ ms: \d+ tokens prefilled; \d+ already cached", lines[3]);
        int followUp = int.Parse(System.Text.RegularExpressions.Regex.Match(lines[3], @"(\d+) tokens prefilled").Groups[1].Value);
        Assert.InRange(followUp, 1, 20);
        Assert.Contains(result.ErrorLines, line => line.Contains("/image") && line.Contains("missing.png"));
    }

    [Fact]
    public void EndOfInput_EndsTheChat()
    {
        CliResult result = CliRunner.RunWithInput("", "chat", "--model", Llava);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("", result.Output);
    }

    [Fact]
    public void BareDecoder_IsRejected()
    {
        CliRunner.AssertOneLineError(CliRunner.RunWithInput("hi\n", "chat", "--model", Fixtures.Path("llama-tiny")), "--model", "llava");
    }
}
