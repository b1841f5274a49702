using System.Text.Json;
using VisionZip.Models.Tuning;
using VisionZip.Tests.Cli;
using VisionZip.Tests.Generality;
using VisionZip.Tests.Support;

namespace VisionZip.Tests.Tuning;

/// <summary><c>visionzip tune</c> end to end on the tiny LLaVA-1.5 with generated photos.</summary>
public sealed class TuneCommandTests
{
    private static readonly string Model = Fixtures.Path("llava-1.5-tiny-hf");

    [Fact]
    public void Tune_cuts_held_out_kl_by_a_third_and_writes_an_adapter()
    {
        using var scratch = new ScratchDirectory();
        SyntheticPhotos.WritePngs(scratch.Sub("photos"), 32);
        string adapter = scratch.Sub("adapter.safetensors");

        CliResult result = CliRunner.Run("tune", "--model", Model, "--images", scratch.Sub("photos"), "--budget", "54+10", "--steps", "300",
            "--lr", "1e-2", "--warmup", "5", "--answer-tokens", "6", "--eval-every", "0", "--seed", "3", "--out", adapter, "--json");

        Assert.True(result.ExitCode == 0, result.ToString());
        using var json = JsonDocument.Parse(result.Output);
        var root = json.RootElement;
        Assert.Equal(300, root.GetProperty("steps").GetInt32());
        double before = root.GetProperty("heldout_kl_before").GetDouble();
        double after = root.GetProperty("heldout_kl_after").GetDouble();
        Assert.True(after <= 0.7 * before, $"held-out KL {before} -> {after}");
        Assert.InRange(root.GetProperty("heldout_agreement_after").GetDouble(), 0, 1);

        using var written = ProjectorAdapter.Read(adapter);
        Assert.Equal(new ZipBudget(54, 10), written.Budget);
        Assert.Equal(after, written.After!.MeanKl, 12);
    }

    [Fact]
    public void Resuming_a_checkpoint_gives_the_same_adapter_as_one_run()
    {
        using var scratch = new ScratchDirectory();
        SyntheticPhotos.WritePngs(scratch.Sub("photos"), 4);
        string[] common = ["tune", "--model", Model, "--images", scratch.Sub("photos"), "--answer-tokens", "3", "--eval-every", "0", "--seed", "5", "--lr", "1e-2"];

        Assert.Equal(0, CliRunner.Run([.. common, "--steps", "6", "--out", scratch.Sub("one.safetensors")]).ExitCode);
        Assert.Equal(0, CliRunner.Run([.. common, "--steps", "3", "--checkpoint", scratch.Sub("state.safetensors"), "--out", scratch.Sub("half.safetensors")]).ExitCode);
        var resumed = CliRunner.Run([.. common, "--steps", "6", "--checkpoint", scratch.Sub("state.safetensors"), "--out", scratch.Sub("two.safetensors")]);
        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        Assert.Contains(resumed.ErrorLines, line => line.Contains("resumed from", StringComparison.Ordinal) && line.Contains("step 3", StringComparison.Ordinal));

        using var one = ProjectorAdapter.Read(scratch.Sub("one.safetensors"));
        using var two = ProjectorAdapter.Read(scratch.Sub("two.safetensors"));
        foreach (var (name, tensor) in one.Weights)
        {
            Assert.True(tensor.allclose(two.Weights[name], rtol: 1e-5, atol: 1e-7), $"{name}: resumed run differs");
        }
    }

    [Theory]
    [InlineData("--budget", "54+x", "--budget")]
    [InlineData("--reducer", "fastv", "--reducer")]
    [InlineData("--images", "/nonexistent/photos", "--images")]
    public void Bad_arguments_name_the_option(string option, string value, string mention)
    {
        using var scratch = new ScratchDirectory();
        SyntheticPhotos.WritePngs(scratch.Sub("photos"), 2);
        var args = new List<string> { "tune", "--model", Model, "--images", scratch.Sub("photos"), "--out", scratch.Sub("a.safetensors") };
        int at = args.IndexOf(option);
        if (at >= 0)
        {
            args[at + 1] = value;
        }
        else
        {
            args.AddRange([option, value]);
        }

        CliRunner.AssertOneLineError(CliRunner.Run([.. args]), mention);
        Assert.False(File.Exists(scratch.Sub("a.safetensors")));
    }
}
