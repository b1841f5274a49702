using System.Text.Json;
using TorchSharp;
using VisionZip.Models.IO;
using VisionZip.Tests.Support;
using static TorchSharp.torch;

namespace VisionZip.Tests.Cli;

/// <summary><c>generate --input-ids</c> on the bare decoder fixtures reproduces their goldens (first batch row).</summary>
public sealed class GenerateDecoderTests
{
    [Theory]
    [InlineData("llama-tiny")]
    [InlineData("qwen2-tiny")]
    public void InputIds_Greedy_LogitsOut_MatchesGolden(string folder)
    {
        using var scope = NewDisposeScope();
        using var golden = SafetensorsFile.Open(Fixtures.Path(folder, "golden.safetensors"));
        Tensor inputIds = golden.Read("input_ids")[0..1];                      // [1, T]
        long[] ids = inputIds.data<long>().ToArray();
        using var temp = new TempDirectory();
        string logitsPath = temp.File("logits.safetensors");

        CliResult result = CliRunner.Run("generate", "--model", Fixtures.Path(folder), "--input-ids", string.Join(",", ids),
            "--greedy", "--max-new-tokens", "8", "--logits-out", logitsPath);

        Assert.True(result.ExitCode == 0, result.ToString());
        long[] goldenTokens = golden.Read("greedy_tokens")[0].data<long>().ToArray();
        Assert.Equal(string.Join(" ", goldenTokens), result.Output.Trim());

        using var written = SafetensorsFile.Open(logitsPath);
        TensorAssert.Equal(inputIds, written.Read("input_ids"), "input_ids");
        Tensor logits = golden.Read("logits");                                 // [B, T, V]
        TensorAssert.Close(logits[0..1, -1], written.Read("prefill_logits"), "prefill_logits");
        TensorAssert.Close(golden.Read("greedy_logits")[0..1], written.Read("step_logits"), "step_logits");
        TensorAssert.Equal(golden.Read("greedy_tokens")[0..1], written.Read("generated_ids"), "generated_ids");
        Assert.Equal(["logits.safetensors"], temp.Entries());
    }

    [Fact]
    public void Json_ReportsTokensAndCounts()
    {
        using var scope = NewDisposeScope();
        using var golden = SafetensorsFile.Open(Fixtures.Path("llama-tiny", "golden.safetensors"));
        long[] ids = golden.Read("input_ids")[0].data<long>().ToArray();

        CliResult result = CliRunner.Run("generate", "--model", Fixtures.Path("llama-tiny"), "--input-ids", string.Join(",", ids),
            "--max-new-tokens", "8", "--json");

        Assert.True(result.ExitCode == 0, result.ToString());
        using var json = JsonDocument.Parse(result.Output);
        JsonElement root = json.RootElement;
        Assert.Equal(golden.Read("greedy_tokens")[0].data<long>().ToArray(), root.GetProperty("token_ids").EnumerateArray().Select(e => e.GetInt64()));
        Assert.Equal(ids, root.GetProperty("prompt_token_ids").EnumerateArray().Select(e => e.GetInt64()));
        Assert.Equal(0, root.GetProperty("visual_tokens_before").GetInt32());
        Assert.True(root.GetProperty("prefill_ms").GetDouble() > 0);
        Assert.True(root.GetProperty("kv_cache_bytes").GetInt64() > 0);
        foreach (string field in new[] { "text", "decode_tokens_per_s", "visual_tokens_after" })
        {
            Assert.True(root.TryGetProperty(field, out _), field);
        }
    }

    [Fact]
    public void FailedRun_LeavesExistingLogitsFileUntouched()
    {
        using var temp = new TempDirectory();
        string logitsPath = temp.File("logits.safetensors");
        File.WriteAllText(logitsPath, "precious");

        CliResult result = CliRunner.Run("generate", "--model", Fixtures.Path("llama-tiny"), "--input-ids", "1,99999",
            "--logits-out", logitsPath);

        CliRunner.AssertOneLineError(result, "--input-ids", "99999");
        Assert.Equal("precious", File.ReadAllText(logitsPath));
        Assert.Equal(["logits.safetensors"], temp.Entries());
    }

    [Fact]
    public void PromptWithoutTokenizer_SaysSo()
    {
        CliRunner.AssertOneLineError(CliRunner.Run("generate", "--model", Fixtures.Path("llama-tiny"), "--prompt", "hello"), "--prompt", "tokenizer");
    }

    [Fact]
    public void StopWithoutTokenizer_SaysSo()
    {
        CliRunner.AssertOneLineError(CliRunner.Run("generate", "--model", Fixtures.Path("llama-tiny"), "--input-ids", "1,2,3", "--stop", "x"), "--stop");
    }
}
