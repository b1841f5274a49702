using VisionZip.Tests.Support;

namespace VisionZip.Tests.Cli;

/// <summary>Bad input for every command: non-zero exit, one error line naming the file/option, nothing written.</summary>
public sealed class CliErrorTests
{
    private static readonly string Clip = Fixtures.Path("clip-vit-tiny-patch14-336");
    private static readonly string Llava = Fixtures.Path("llava-1.5-tiny-hf");
    private static readonly string Llama = Fixtures.Path("llama-tiny");
    private static readonly string Photo = Fixtures.Path("images", "coffee.png");

    [Theory]
    [InlineData("--dominant", "--dominant", "54")]
    [InlineData("--contextual", "--contextual", "10")]
    public void Encode_OneOfDominantContextual_IsRejected(string name, string option, string value)
    {
        using var temp = new TempDirectory();
        CliResult result = CliRunner.Run("encode", "--model", Clip, "--image", Photo, "--out", temp.File("t.safetensors"), option, value);
        CliRunner.AssertOneLineError(result, name);
        Assert.Equal(2, result.ExitCode);
        Assert.Empty(temp.Entries());
    }

    [Fact]
    public void Encode_NoZipWithDominant_IsRejected()
    {
        using var temp = new TempDirectory();
        CliResult result = CliRunner.Run("encode", "--model", Clip, "--image", Photo, "--out", temp.File("t.safetensors"),
            "--no-zip", "--dominant", "54", "--contextual", "10");
        CliRunner.AssertOneLineError(result, "--no-zip", "--dominant");
        Assert.Empty(temp.Entries());
    }

    [Theory]
    [InlineData("--dominant", "abc")]
    [InlineData("--dominant", "0")]
    [InlineData("--contextual", "-1")]
    [InlineData("--image-mode", "stretch")]
    [InlineData("--dtype", "int8")]
    [InlineData("--device", "tpu")]
    public void Encode_BadValue_NamesTheOption(string option, string value)
    {
        using var temp = new TempDirectory();
        string[] args = ["encode", "--model", Clip, "--image", Photo, "--out", temp.File("t.safetensors"), option, value];
        if (option == "--dominant")
        {
            args = [.. args, "--contextual", "10"];
        }
        else if (option == "--contextual")
        {
            args = [.. args, "--dominant", "54"];
        }

        CliResult result = CliRunner.Run(args);
        CliRunner.AssertOneLineError(result, option);
        Assert.Empty(temp.Entries());
    }

    [Fact]
    public void Encode_MissingRequiredOption_NamesIt()
    {
        CliRunner.AssertOneLineError(CliRunner.Run("encode", "--model", Clip, "--image", Photo), "--out");
    }

    [Fact]
    public void Encode_MissingImage_NamesTheFileAndLeavesExistingOutputUntouched()
    {
        using var temp = new TempDirectory();
        string output = temp.File("tokens.safetensors");
        File.WriteAllText(output, "precious");
        string missing = temp.File("nope.png");

        CliResult result = CliRunner.Run("encode", "--model", Clip, "--image", missing, "--out", output);

        CliRunner.AssertOneLineError(result, "--image", missing);
        Assert.Equal("precious", File.ReadAllText(output));
        Assert.Equal(["tokens.safetensors"], temp.Entries());
    }

    [Fact]
    public void Encode_ModelWithoutConfig_NamesTheDirectory()
    {
        using var temp = new TempDirectory();
        string empty = Directory.CreateDirectory(temp.File("empty-model")).FullName;
        CliResult result = CliRunner.Run("encode", "--model", empty, "--image", Photo, "--out", temp.File("t.safetensors"));
        CliRunner.AssertOneLineError(result, "--model", "config.json");
        Assert.Equal(["empty-model"], temp.Entries());
    }

    [Fact]
    public void Encode_CorruptConfig_NamesTheFile()
    {
        using var temp = new TempDirectory();
        string model = Directory.CreateDirectory(temp.File("model")).FullName;
        File.WriteAllText(Path.Combine(model, "config.json"), "{ not json");
        CliResult result = CliRunner.Run("encode", "--model", model, "--image", Photo, "--out", temp.File("t.safetensors"));
        CliRunner.AssertOneLineError(result, Path.Combine(model, "config.json"));
        Assert.Equal(["model"], temp.Entries());
    }

    [Fact]
    public void Encode_UnsupportedModelType_NamesIt()
    {
        using var temp = new TempDirectory();
        string model = Directory.CreateDirectory(temp.File("model")).FullName;
        File.WriteAllText(Path.Combine(model, "config.json"), """{ "model_type": "bert" }""");
        CliResult result = CliRunner.Run("encode", "--model", model, "--image", Photo, "--out", temp.File("t.safetensors"));
        CliRunner.AssertOneLineError(result, "bert");
    }

    [Fact]
    public void Encode_BareDecoder_IsRejected()
    {
        using var temp = new TempDirectory();
        CliResult result = CliRunner.Run("encode", "--model", Llama, "--image", Photo, "--out", temp.File("t.safetensors"));
        CliRunner.AssertOneLineError(result, "--model", "llama");
        Assert.Empty(temp.Entries());
    }

    [Fact]
    public void Encode_OutDirectoryMissing_NamesOut()
    {
        using var temp = new TempDirectory();
        CliResult result = CliRunner.Run("encode", "--model", Clip, "--image", Photo, "--out", temp.File("missing/t.safetensors"));
        CliRunner.AssertOneLineError(result, "--out");
        Assert.Empty(temp.Entries());
    }

    [Fact]
    public void Visualize_NoZipIsNotAnOption()
    {
        using var temp = new TempDirectory();
        CliResult result = CliRunner.Run("visualize", "--model", Clip, "--image", Photo, "--out", temp.File("v.png"), "--no-zip");
        CliRunner.AssertOneLineError(result, "--no-zip");
        Assert.Empty(temp.Entries());
    }

    [Fact]
    public void Visualize_DominantWithoutContextual_IsRejected()
    {
        using var temp = new TempDirectory();
        CliResult result = CliRunner.Run("visualize", "--model", Clip, "--image", Photo, "--out", temp.File("v.png"), "--dominant", "10");
        CliRunner.AssertOneLineError(result, "--dominant", "--contextual");
        Assert.Empty(temp.Entries());
    }

    [Fact]
    public void Generate_NeitherPromptNorIds_IsRejected()
    {
        CliRunner.AssertOneLineError(CliRunner.Run("generate", "--model", Llava), "--prompt", "--input-ids");
    }

    [Fact]
    public void Generate_PromptAndIds_IsRejected()
    {
        CliRunner.AssertOneLineError(CliRunner.Run("generate", "--model", Llama, "--prompt", "hi", "--input-ids", "1,2"), "--prompt", "--input-ids");
    }

    [Fact]
    public void Generate_RawWithoutPrompt_IsRejected()
    {
        CliRunner.AssertOneLineError(CliRunner.Run("generate", "--model", Llama, "--raw", "--input-ids", "1,2"), "--raw");
    }

    [Theory]
    [InlineData("1,x,3", "'x'")]
    [InlineData(",", "no token ids")]
    [InlineData("-4", "'-4'")]
    public void Generate_BadInputIds_NamesTheOption(string ids, string mention)
    {
        CliRunner.AssertOneLineError(CliRunner.Run("generate", "--model", Llama, "--input-ids", ids), "--input-ids", mention);
    }

    [Theory]
    [InlineData("--temperature", "0")]
    [InlineData("--temperature", "hot")]
    [InlineData("--top-p", "1.5")]
    [InlineData("--top-k", "-1")]
    [InlineData("--seed", "x")]
    [InlineData("--repetition-penalty", "0")]
    [InlineData("--max-new-tokens", "0")]
    public void Generate_BadSamplingValue_NamesTheOption(string option, string value)
    {
        CliRunner.AssertOneLineError(CliRunner.Run("generate", "--model", Llama, "--input-ids", "1,2", option, value), option);
    }

    [Fact]
    public void Generate_GreedyWithSampling_IsRejected()
    {
        CliRunner.AssertOneLineError(CliRunner.Run("generate", "--model", Llama, "--input-ids", "1,2", "--greedy", "--temperature", "0.7"),
            "--greedy", "--temperature");
    }

    [Fact]
    public void Generate_ImageOnBareDecoder_IsRejected()
    {
        CliRunner.AssertOneLineError(CliRunner.Run("generate", "--model", Llama, "--input-ids", "1,2", "--image", Photo), "--image", "llama");
    }

    [Fact]
    public void Generate_VisionOnlyModel_IsRejected()
    {
        CliRunner.AssertOneLineError(CliRunner.Run("generate", "--model", Clip, "--prompt", "hi"), "--model", "clip");
    }

    [Fact]
    public void Generate_MissingModelDirectory_NamesIt()
    {
        using var temp = new TempDirectory();
        string missing = temp.File("no-such-model");
        CliRunner.AssertOneLineError(CliRunner.Run("generate", "--model", missing, "--prompt", "hi"), "--model", missing);
    }

    [Fact]
    public void Generate_LogitsOutDirectoryMissing_NamesTheOption()
    {
        using var temp = new TempDirectory();
        CliResult result = CliRunner.Run("generate", "--model", Llama, "--input-ids", "1,2", "--logits-out", temp.File("x/l.safetensors"));
        CliRunner.AssertOneLineError(result, "--logits-out");
        Assert.Empty(temp.Entries());
    }

    [Fact]
    public void Chat_MissingImage_NamesIt()
    {
        using var temp = new TempDirectory();
        string missing = temp.File("nope.jpg");
        CliRunner.AssertOneLineError(CliRunner.Run("chat", "--model", Llava, "--image", missing), "--image", missing);
    }

    [Fact]
    public void Demo_ModelOfTheWrongKind_IsRejected()
    {
        using var temp = new TempDirectory();
        CliResult result = CliRunner.Run("demo", "--model", Clip, "--out", temp.File("d.png"));
        CliRunner.AssertOneLineError(result, "--model", "llava");
        Assert.Empty(temp.Entries());
    }

    [Fact]
    public void UnknownCommand_IsOneLine()
    {
        CliRunner.AssertOneLineError(CliRunner.Run("frobnicate"), "frobnicate");
    }

    [Fact]
    public void Verbose_AddsTheStackTrace()
    {
        using var temp = new TempDirectory();
        CliResult result = CliRunner.Run("encode", "--model", temp.File("none"), "--image", Photo, "--out", temp.File("t.safetensors"), "--verbose");
        Assert.NotEqual(0, result.ExitCode);
        // --verbose first lists the runtime's notes (e.g. the OpenMP wait policy it set), then the error.
        var lines = result.ErrorLines.SkipWhile(line => line.StartsWith("visionzip: note: ", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(lines);
        Assert.StartsWith("visionzip: error: ", lines[0]);
        Assert.Contains(result.ErrorLines, line => line.StartsWith("at ", StringComparison.Ordinal));
    }

    [Fact]
    public void Help_ListsEveryCommand()
    {
        CliResult result = CliRunner.Run("--help");
        Assert.Equal(0, result.ExitCode);
        foreach (string command in new[] { "encode", "visualize", "generate", "chat", "demo" })
        {
            Assert.Contains(command, result.Output);
        }
    }
}
