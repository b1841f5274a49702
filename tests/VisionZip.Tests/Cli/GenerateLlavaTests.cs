using System.Text.Json;
using TorchSharp;
using VisionZip.Models.IO;
using VisionZip.Tests.Support;
using static TorchSharp.torch;

namespace VisionZip.Tests.Cli;

/// <summary><c>generate --greedy --logits-out</c> on the llava fixtures reproduces prompt ids, logits and tokens.</summary>
public sealed class GenerateLlavaTests
{
    private const string Question = "What is shown in this image?";

    [Theory]
    [InlineData("crop", "vanilla")]
    [InlineData("crop", "zip")]
    [InlineData("pad", "vanilla")]
    [InlineData("pad", "zip")]
    public void Llava15_MatchesGolden(string mode, string path)
    {
        string[] zip = path == "zip" ? ["--dominant", "54", "--contextual", "10"] : ["--no-zip"];
        AssertMatchesGolden("llava-1.5-tiny-hf", $"{mode}.{path}", ["--image-mode", mode, .. zip]);
    }

    [Fact]
    public void LlavaInterleave_ChatMlTemplate_ZippedMatchesGolden()
    {
        AssertMatchesGolden("llava-interleave-qwen-tiny-hf", "zip", []);   // default: the 54+10 preset, SigLIP processor
    }

    private static void AssertMatchesGolden(string folder, string prefix, string[] extra)
    {
        using var scope = NewDisposeScope();
        using var golden = SafetensorsFile.Open(Fixtures.Path(folder, "golden.safetensors"));
        using var temp = new TempDirectory();
        string logitsPath = temp.File("logits.safetensors");

        CliResult result = CliRunner.Run(["generate", "--model", Fixtures.Path(folder), "--image", Fixtures.Path("images", "coffee.png"),
            "--prompt", Question, "--greedy", "--max-new-tokens", "8", "--logits-out", logitsPath, .. extra]);

        Assert.True(result.ExitCode == 0, result.ToString());
        using var written = SafetensorsFile.Open(logitsPath);
        TensorAssert.Equal(golden.Read("input_ids"), written.Read("input_ids"), "input_ids");
        TensorAssert.Close(golden.Read($"{prefix}.last_logits"), written.Read("prefill_logits"), "prefill_logits");
        TensorAssert.Close(golden.Read($"{prefix}.greedy_logits"), written.Read("step_logits"), "step_logits");
        TensorAssert.Equal(golden.Read($"{prefix}.greedy_tokens"), written.Read("generated_ids"), "generated_ids");
        Assert.Equal(["logits.safetensors"], temp.Entries());
    }

    [Fact]
    public void Json_CountsVisualTokensAndPrefill()
    {
        CliResult result = CliRunner.Run("generate", "--model", Fixtures.Path("llava-1.5-tiny-hf"), "--image", Fixtures.Path("images", "coffee.png"),
            "--prompt", Question, "--greedy", "--max-new-tokens", "4", "--json");

        Assert.True(result.ExitCode == 0, result.ToString());
        using var json = JsonDocument.Parse(result.Output);
        JsonElement root = json.RootElement;
        Assert.Equal(576, root.GetProperty("visual_tokens_before").GetInt32());
        Assert.Equal(64, root.GetProperty("visual_tokens_after").GetInt32());
        Assert.Equal(18 - 1 + 64, root.GetProperty("prefill_tokens").GetInt32());
        Assert.Equal(1, root.GetProperty("prompt_token_ids").EnumerateArray().Count(id => id.GetInt64() == 1000));
        Assert.Equal(4, root.GetProperty("token_ids").GetArrayLength());
        Assert.False(string.IsNullOrEmpty(root.GetProperty("text").GetString()));
    }

    [Fact]
    public void RawPrompt_WithoutPlaceholder_ButWithImage_IsRejected()
    {
        CliResult result = CliRunner.Run("generate", "--model", Fixtures.Path("llava-1.5-tiny-hf"), "--image", Fixtures.Path("images", "coffee.png"),
            "--prompt", "USER: hello ASSISTANT:", "--raw");
        CliRunner.AssertOneLineError(result, "--prompt", "placeholder");
    }

    [Fact]
    public void InputIds_WithImageTokenPerImage_MatchesThePromptPath()
    {
        using var scope = NewDisposeScope();
        using var golden = SafetensorsFile.Open(Fixtures.Path("llava-1.5-tiny-hf", "golden.safetensors"));
        long[] ids = golden.Read("input_ids")[0].data<long>().ToArray();

        CliResult result = CliRunner.Run("generate", "--model", Fixtures.Path("llava-1.5-tiny-hf"), "--image", Fixtures.Path("images", "coffee.png"),
            "--input-ids", string.Join(",", ids), "--greedy", "--max-new-tokens", "8", "--json", "--image-mode", "crop");

        Assert.True(result.ExitCode == 0, result.ToString());
        using var json = JsonDocument.Parse(result.Output);
        Assert.Equal(golden.Read("crop.zip.greedy_tokens")[0].data<long>().ToArray(),
            json.RootElement.GetProperty("token_ids").EnumerateArray().Select(e => e.GetInt64()));
    }
}

/// <summary><c>generate</c> on the LLaVA-NeXT fixture (anyres) reproduces its goldens.</summary>
public sealed class GenerateLlavaNextTests
{
    [Theory]
    [InlineData("vanilla")]
    [InlineData("zip")]
    public void LlavaNext_MatchesGolden(string path)
    {
        using var scope = NewDisposeScope();
        using var golden = SafetensorsFile.Open(Fixtures.Path("llava-next-tiny-patch14-112-hf", "golden.safetensors"));
        using var temp = new TempDirectory();
        string logitsPath = temp.File("logits.safetensors");
        string[] zip = path == "zip" ? ["--dominant", "14", "--contextual", "4"] : ["--no-zip"];

        CliResult result = CliRunner.Run(["generate", "--model", Fixtures.Path("llava-next-tiny-patch14-112-hf"),
            "--image", Fixtures.Path("images", "coffee_wide.png"), "--prompt", "What is shown in this image?", "--greedy",
            "--max-new-tokens", "8", "--logits-out", logitsPath, .. zip]);

        Assert.True(result.ExitCode == 0, result.ToString());
        using var written = SafetensorsFile.Open(logitsPath);
        TensorAssert.Equal(golden.Read("input_ids"), written.Read("input_ids"), "input_ids");
        TensorAssert.Close(golden.Read($"{path}.last_logits"), written.Read("prefill_logits"), "prefill_logits");
        TensorAssert.Close(golden.Read($"{path}.greedy_logits"), written.Read("step_logits"), "step_logits");
        TensorAssert.Equal(golden.Read($"{path}.greedy_tokens"), written.Read("generated_ids"), "generated_ids");
    }
}
