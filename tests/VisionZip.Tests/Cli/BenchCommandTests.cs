using System.Text.Json.Nodes;
using VisionZip.Tests.Support;

namespace VisionZip.Tests.Cli;

/// <summary>
/// <c>visionzip bench</c> on every LLaVA fixture: the JSON has every field the issue asks for, the counts are the model's
/// (visual and prompt tokens, KV bytes equal to the cost model's, KV reduced by exactly the prompt-length ratio), and bad
/// arguments are refused before anything is loaded or written. Timings are only checked to exist, never compared.
/// </summary>
public sealed class BenchCommandTests
{
    public static TheoryData<string, int> LlavaFixtures => new()
    {
        { "llava-1.5-tiny-hf", 576 },
        { "llava-interleave-qwen-tiny-hf", -1 },
        { "llava-next-tiny-patch14-112-hf", -1 },
    };

    [Theory]
    [MemberData(nameof(LlavaFixtures))]
    public void Bench_runs_on_every_llava_fixture_and_its_counts_are_the_models(string fixture, int vanillaTokens)
    {
        var result = CliRunner.Run("bench", "--model", Fixtures.Path(fixture), "--runs", "2", "--warmup", "0", "--decode-tokens", "2",
            "--dtype", "fp32", "--budget", "8+2", "--budget", "16+4", "--no-limits", "--json");
        Assert.True(result.ExitCode == 0, result.ToString());
        var json = JsonNode.Parse(result.Output)!.AsObject();
        Assert.Null(json["limits"]);
        Assert.Null(json["limits_per_round"]);
        Assert.True((double)json["load_ms"]! > 0, "loading the model is timed");
        Assert.DoesNotContain("limits this round", result.Error, StringComparison.Ordinal);
        var runs = json["runs"]!.AsArray().Select(r => r!.AsObject()).ToList();
        Assert.Equal(["vanilla", "visionzip 8+2", "visionzip 16+4"], runs.Select(r => (string)r["configuration"]!));
        if (vanillaTokens > 0)
        {
            Assert.Equal(vanillaTokens, (int)runs[0]["visual_tokens"]!);
        }

        foreach (var run in runs)
        {
            foreach (var field in new[] { "encoder_ms", "reduce_ms", "prefill_ms", "ttft_ms", "decode_ms_per_token", "peak_rss_bytes" })
            {
                Assert.True(run[field] is not null, $"{field} missing in {run}");
            }

            int crops = (int)run["crops"]!;
            int visual = (int)run["visual_tokens"]!;
            Assert.True((int)run["prompt_tokens"]! > visual, "the prompt holds text besides the image");
            Assert.Equal((long)run["kv_bytes_model"]!, (long)run["kv_bytes"]!);
            if (run["budget_per_tile"] is not null)
            {
                Assert.True(visual < (int)runs[0]["visual_tokens"]!, $"reduced below vanilla: {run}");
                Assert.True(crops >= 1);
                Assert.Equal((double)run["prompt_ratio"]!, (double)run["kv_ratio"]!, 3);
                Assert.True((double)run["speedup_bound"]! > 1, run.ToJsonString());
                Assert.True((double)run["reduce_ms"]! > 0, "the reducer ran and was timed");

                // Round by round: vanilla's time to first token over this one's, in the same round; their median.
                var vanillaRounds = runs[0]["ttft_ms_per_round"]!.AsArray().Select(v => (double)v!).ToArray();
                var rounds = run["ttft_ms_per_round"]!.AsArray().Select(v => (double)v!).ToArray();
                var paired = run["speedup_per_round"]!.AsArray().Select(v => (double)v!).ToArray();
                Assert.Equal(2, paired.Length);
                for (int i = 0; i < paired.Length; i++)
                {
                    AssertClose(vanillaRounds[i] / rounds[i], paired[i]);
                }

                AssertClose((paired[0] + paired[1]) / 2, (double)run["speedup_paired_median"]!);
            }
            else
            {
                Assert.Null(run["speedup_measured"]);
                Assert.Equal(0.0, (double)run["reduce_ms"]!);
            }
        }

        // LLaVA-1.5 budgets are per image: 10 and 20 visual tokens exactly.
        if (fixture == "llava-1.5-tiny-hf")
        {
            Assert.Equal([10, 20], runs.Skip(1).Select(r => (int)r["visual_tokens"]!));
        }
    }

    [Fact]
    public void Without_decode_steps_the_tables_show_a_dash_and_the_load_time()
    {
        var result = CliRunner.Run("bench", "--model", Fixtures.Path("llava-1.5-tiny-hf"), "--runs", "1", "--warmup", "0",
            "--decode-tokens", "0", "--dtype", "fp32", "--budget", "8+2", "--no-limits");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.DoesNotContain("NaN", result.Output, StringComparison.Ordinal);
        Assert.Matches(@"\| vanilla \|.*\| - \|", result.Output);
        Assert.Matches(@"loaded in \d+\.\d s", result.Output);
    }

    [Fact]
    public void Limits_are_measured_in_process_and_plots_are_pngs()
    {
        using var directory = new TempDirectory();
        string plot = directory.File("bench.png");
        var result = CliRunner.Run("bench", "--model", Fixtures.Path("llava-1.5-tiny-hf"), "--runs", "1", "--warmup", "0", "--decode-tokens", "1",
            "--budget", "54+10", "--json", "--plot", plot);
        Assert.True(result.ExitCode == 0, result.ToString());
        var json = JsonNode.Parse(result.Output)!.AsObject();
        var limits = json["limits"]!.AsObject();
        Assert.True((double)limits["matmul_gflops"]!["fp32"]! > 0);
        Assert.True((double)limits["matmul_gflops"]!["bf16"]! > 0);
        Assert.True((double)limits["bandwidth_gbs"]! > 0);
        var fractions = json["runs"]![0]!["fractions"]!.AsObject();
        Assert.True((double)fractions["prefill_of_matmul"]! > 0);
        Assert.True((double)fractions["decode_of_bandwidth"]! > 0);

        // Limits are measured in every timed round (one here): the reported limits are their medians, and each run's
        // fractions are its rates over its round's readings of the compute dtype (bf16) and the bandwidth.
        var perRound = json["limits_per_round"]!.AsArray();
        Assert.Single(perRound);
        Assert.Equal((double)limits["bandwidth_gbs"]!, (double)perRound[0]!["bandwidth_gbs"]!);
        Assert.Equal((double)limits["matmul_gflops"]!["bf16"]!, (double)perRound[0]!["matmul_gflops"]!["bf16"]!);
        foreach (var run in json["runs"]!.AsArray())
        {
            var rounds = run!["fractions_per_round"]!.AsArray();
            Assert.Single(rounds);
            var round = rounds[0]!;
            // Four decimals in the JSON: the quotient of rounded numbers agrees to about 1e-4 relative.
            AssertClose((double)round["prefill_gflops"]! / (double)perRound[0]!["matmul_gflops"]!["bf16"]!, (double)round["prefill_of_matmul"]!);
            AssertClose((double)round["encoder_gflops"]! / (double)perRound[0]!["matmul_gflops"]!["bf16"]!, (double)round["encoder_of_matmul"]!);
            AssertClose((double)round["decode_gbs"]! / (double)perRound[0]!["bandwidth_gbs"]!, (double)round["decode_of_bandwidth"]!);
            Assert.Equal((double)round["decode_of_bandwidth"]!, (double)run["fractions"]!["decode_of_bandwidth"]!);   // the median of one
        }

        byte[] signature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];
        foreach (var file in new[] { plot, directory.File("bench-stages.png") })
        {
            Assert.Equal(signature, File.ReadAllBytes(file).Take(8));
        }
    }

    private static void AssertClose(double expected, double actual) =>
        Assert.True(Math.Abs(expected - actual) <= 1e-4 + 1e-3 * Math.Abs(expected), $"expected {expected}, got {actual}");

    [Theory]
    [InlineData("--synthetic|llava-9b", "llava-1.5-7b")]
    [InlineData("--synthetic|llava-1.5-7b|--llm-layers|0", "--llm-layers")]
    [InlineData("--synthetic|llava-1.5-7b|--llm-layers|33", "--llm-layers")]
    [InlineData("--synthetic|llava-1.5-7b|--runs|0", "--runs")]
    [InlineData("--synthetic|llava-1.5-7b|--budget|ten", "--budget")]
    [InlineData("--synthetic|llava-1.5-7b|--plot|/nonexistent-dir/x.png", "--plot")]
    [InlineData("--synthetic|llava-1.5-7b|--model|FIXTURE", "exactly one of")]
    [InlineData("--runs|1", "exactly one of")]
    [InlineData("--model|FIXTURE|--llm-layers|2", "--llm-layers")]
    [InlineData("--model|FIXTURE|--reducer|nope", "--reducer")]
    [InlineData("--model|DECODER", "needs a llava-hf checkpoint")]
    public void Bad_arguments_are_refused_before_anything_is_loaded_or_written(string arguments, string mention)
    {
        var args = arguments.Split('|').Select(a => a switch
        {
            "FIXTURE" => Fixtures.Path("llava-1.5-tiny-hf"),
            "DECODER" => Fixtures.Path("llama-tiny"),
            _ => a,
        });
        var result = CliRunner.Run(["bench", .. args]);
        CliRunner.AssertOneLineError(result, mention);
        Assert.DoesNotContain("bench: round", result.Error, StringComparison.Ordinal);   // no round started (the message names paths, which may contain "round")
    }
}
