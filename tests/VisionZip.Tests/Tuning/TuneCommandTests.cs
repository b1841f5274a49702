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

    [Fact]
    public void An_adapter_changes_generate_only_through_the_projector()
    {
        using var scratch = new ScratchDirectory();
        string adapter = TuneSmallAdapter(scratch);
        string photo = Fixtures.Path("images", "coffee.png");
        string[] common = ["generate", "--model", Model, "--image", photo, "--prompt", "What is shown?", "--greedy", "--max-new-tokens", "6", "--json"];

        JsonElement Run(params string[] extra)
        {
            var result = CliRunner.Run([.. common, .. extra]);
            Assert.True(result.ExitCode == 0, result.ToString());
            return JsonDocument.Parse(result.Output).RootElement.Clone();
        }

        // The zipped image (54+10, what the adapter was tuned for) goes through the tuned projector; vanilla never does.
        string zipped = Run().GetProperty("token_ids").ToString();
        string zippedTuned = Run("--projector-adapter", adapter).GetProperty("token_ids").ToString();
        string vanilla = Run("--no-zip").GetProperty("token_ids").ToString();
        string vanillaWithAdapter = Run("--no-zip", "--projector-adapter", adapter).GetProperty("token_ids").ToString();
        Assert.Equal(vanilla, vanillaWithAdapter);
        Assert.NotEqual(zipped, zippedTuned);

        // A library user gets the same: the tuned projector replaces only the zipped image's projection.
        using var model = VisionZip.Models.VisionLanguageModel.Load(Model);
        using var before = model.EncodeImage(photo, new ZipBudget(54, 10));
        model.AddProjectorAdapter(adapter);
        using var after = model.EncodeImage(photo, new ZipBudget(54, 10));
        Assert.True(before.ImageFeatures.equal(after.ImageFeatures).all().item<bool>(), "the encoder and reducer must not change");
        Assert.False(before.Projected!.allclose(after.Projected!), "the projection should change");
        Assert.Equal([(VisualTokenReducers.VisionZip, new ZipBudget(54, 10))], model.ProjectorAdapters);

        var refused = CliRunner.Run("generate", "--model", Fixtures.Path("llava-interleave-qwen-tiny-hf"), "--image", photo, "--prompt", "Hi",
            "--projector-adapter", adapter);
        CliRunner.AssertOneLineError(refused, "--projector-adapter", "another checkpoint");

        // serve refuses an adapter of another checkpoint before it binds a port, naming the option.
        var refusedServe = CliRunner.Run("serve", "--model", Fixtures.Path("llava-interleave-qwen-tiny-hf"), "--port", "0", "--projector-adapter", adapter);
        CliRunner.AssertOneLineError(refusedServe, "--projector-adapter", "another checkpoint");
    }

    [Fact]
    public async Task The_chat_client_with_an_adapter_answers_as_the_library_with_it()
    {
        using var scratch = new ScratchDirectory();
        string adapter = TuneSmallAdapter(scratch);
        string photo = Fixtures.Path("images", "coffee.png");
        const string question = "What is shown?";
        var greedy = new Microsoft.Extensions.AI.ChatOptions { MaxOutputTokens = 6, Temperature = 0 };

        async Task<string> ClientAnswer(params string[] adapters)
        {
            var options = new VisionZip.Extensions.AI.VisionZipChatClientOptions();
            foreach (var a in adapters)
            {
                options.ProjectorAdapters.Add(a);
            }

            using var client = VisionZip.Extensions.AI.VisionZipChatClient.Load(Model, options);
            var response = await client.GetResponseAsync([VisionZip.Tests.Chat.ChatFixture.UserWithImage(question, photo)], greedy);
            return response.Text;
        }

        string LibraryAnswer(bool tuned)
        {
            using var model = VisionZip.Models.VisionLanguageModel.Load(Model);
            if (tuned)
            {
                model.AddProjectorAdapter(adapter);
            }

            using var image = model.EncodeImage(photo, ZipPresets.Llava15_64);
            var options = model.DefaultGenerationOptions with { MaxNewTokens = 6, DoSample = false };
            return model.Generate(model.PromptIds(question, 1), [image], options).Text;
        }

        string tunedAnswer = LibraryAnswer(tuned: true);
        Assert.NotEqual(LibraryAnswer(tuned: false), tunedAnswer);
        Assert.Equal(tunedAnswer, await ClientAnswer(adapter));
        Assert.Equal(LibraryAnswer(tuned: false), await ClientAnswer());

        var other = new VisionZip.Extensions.AI.VisionZipChatClientOptions();
        other.ProjectorAdapters.Add(adapter);
        var refused = Assert.Throws<InvalidDataException>(() => VisionZip.Extensions.AI.VisionZipChatClient.Load(Fixtures.Path("llava-interleave-qwen-tiny-hf"), other));
        Assert.Contains("another checkpoint", refused.Message, StringComparison.Ordinal);
    }

    // A quick 54+10 adapter (20 steps on 4 generated photos) for the tests that use one.
    private static string TuneSmallAdapter(ScratchDirectory scratch)
    {
        SyntheticPhotos.WritePngs(scratch.Sub("photos"), 4);
        string adapter = scratch.Sub("adapter.safetensors");
        Assert.Equal(0, CliRunner.Run("tune", "--model", Model, "--images", scratch.Sub("photos"), "--steps", "20", "--lr", "1e-2",
            "--answer-tokens", "3", "--eval-every", "0", "--out", adapter).ExitCode);
        return adapter;
    }
}
