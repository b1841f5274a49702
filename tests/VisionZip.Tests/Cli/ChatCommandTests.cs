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
    public void FullContext_IsReportedAndTheChatGoesOn_ResetStartsOver()
    {
        using var scratch = new VisionZip.Tests.Generality.ScratchDirectory();
        string model = VisionZip.Tests.Llava.SmallContextCheckpoint.Create(scratch, 200);
        var questions = Enumerable.Range(0, 30).Select(i => $"Question {i}: what is there?").ToList();
        questions.Insert(15, "/reset");
        CliResult result = CliRunner.RunWithInput(string.Join('\n', questions) + "\n", "chat", "--model", model,
            "--image", Fixtures.Path("images", "coffee.png"), "--greedy", "--max-new-tokens", "6");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(30, result.Output.Split('\n').Count(line => line.Contains("tokens prefilled", StringComparison.Ordinal)));
        Assert.Contains(result.ErrorLines, line => line.Contains("context full: dropped", StringComparison.Ordinal));
        Assert.Contains(result.ErrorLines, line => line.Contains("conversation reset", StringComparison.Ordinal));
    }

    [Fact]
    public void RefusePolicy_ReportsTheFullContextAndAnswersTheNextQuestion()
    {
        using var scratch = new VisionZip.Tests.Generality.ScratchDirectory();
        string model = VisionZip.Tests.Llava.SmallContextCheckpoint.Create(scratch, 200);
        string tooLong = string.Join(' ', Enumerable.Repeat("describe", 150));
        CliResult result = CliRunner.RunWithInput($"What is it?\n{tooLong}\nAnd now?\n", "chat", "--model", model,
            "--image", Fixtures.Path("images", "coffee.png"), "--greedy", "--max-new-tokens", "4", "--context-policy", "refuse");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(2, result.Output.Split('\n').Count(line => line.Contains("tokens prefilled", StringComparison.Ordinal)));
        Assert.Contains(result.ErrorLines, line => line.Contains("context full: the context is full", StringComparison.Ordinal));
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
