using VisionZip.Models;
using SkiaSharp;
using VisionZip.Cli.Pipelines;
using VisionZip.Cli.Reporting;
using VisionZip.Models.Errors;
using VisionZip.Models.Generation;
using VisionZip.Models.Imaging;
using VisionZip.Models.Llava;
using VisionZip.Models.Tokenization;
using VisionZip.Runtime;
using VisionZip.Tests.Cli;
using VisionZip.Tests.Generation;
using VisionZip.Tests.Imaging;
using VisionZip.Tests.Support;
using static TorchSharp.torch;

namespace VisionZip.Tests.Reliability;

/// <summary>
/// The cases issue 11 lists, one test (or a few) each; case 2 (read-only HOME) lives in
/// <see cref="Runtime.ReadOnlyHomeTests"/>, case 7 (a full chat context) is not covered here yet.
/// </summary>
public class IssueCaseTests
{
    private static readonly string Clip = Fixtures.Path("clip-vit-tiny-patch14-336");
    private static readonly string Llava = Fixtures.Path("llava-1.5-tiny-hf");
    private static readonly string Coffee = Fixtures.Path("images", "coffee.png");

    public IssueCaseTests() => TorchRuntime.EnsureLoaded();

    // Case 1: every bad weight is named on the one error line, not just "... missing or wrongly shaped:".
    [Fact]
    public void Case1_every_missing_weight_is_named_in_the_cli_error()
    {
        string[] dropped = ["vision_model.encoder.layers.0.mlp.fc1.weight", "vision_model.encoder.layers.1.self_attn.q_proj.bias", "vision_model.pre_layrnorm.weight"];
        using var broken = new BrokenCheckpoint(Clip, weights: (name, tensor) => dropped.Contains(name) ? null : tensor);
        using var temp = new TempDirectory();
        var result = CliRunner.Run("encode", "--model", broken.Path, "--image", Coffee, "--out", temp.File("t.safetensors"));
        CliRunner.AssertOneLineError(result, [.. dropped]);
        Assert.Empty(temp.Entries());
    }

    [Fact]
    public void Case1_long_lists_are_capped_with_a_count()
    {
        string message = "cannot load: 12 weight(s) missing:" + string.Concat(Enumerable.Range(0, 12).Select(i => $"\n  w{i}: missing"));
        string line = ErrorMessages.Render(message);
        Assert.DoesNotContain('\n', line);
        Assert.Contains("w0: missing", line);
        Assert.Contains($"w{ErrorMessages.MaxItems - 1}: missing", line);
        Assert.DoesNotContain($"w{ErrorMessages.MaxItems}: missing", line);
        Assert.Contains($"and {12 - ErrorMessages.MaxItems} more", line);
    }

    // Case 3: a 476-byte 6000x1 PNG (and 20000x1) is refused before the 2,016,000x336 resize is allocated.
    [Theory]
    [InlineData(6000)]
    [InlineData(20000)]
    public void Case3_a_long_strip_is_refused_before_the_resize_is_allocated(int width)
    {
        var image = ImageDecoder.Decode(Strip(width), "strip.png");
        var processor = ImageProcessor.Load(Clip);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var error = Assert.Throws<ResourceLimitException>(() => processor.Preprocess(image, ImageMode.Crop));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Contains($"{width}x1", error.Message);
        Assert.Contains("resize target", error.Message);
        Assert.Equal(ResourceLimits.DefaultMaxImagePixels, error.Limit);
        Assert.True(error.Value > error.Limit);
        Assert.True(allocated < 16 << 20, $"allocated {allocated} bytes before refusing");
    }

    [Fact]
    public void Case3_the_cli_refuses_a_long_strip_with_one_line()
    {
        using var temp = new TempDirectory();
        File.WriteAllBytes(temp.File("strip.png"), Strip(20000));
        var result = CliRunner.Run("encode", "--model", Clip, "--image", temp.File("strip.png"), "--out", temp.File("t.safetensors"));
        CliRunner.AssertOneLineError(result, "20000x1", "ResourceLimits.MaxImagePixels");
        Assert.DoesNotContain("overflow", result.Error, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Case3_pad_mode_bounds_the_square_too()
    {
        var image = ImageDecoder.Decode(Strip(20000), "strip.png");
        var processor = new ImageProcessor(ImageProcessor.Load(Clip).Config, limits: new ResourceLimits { MaxImagePixels = 10_000_000 });
        var error = Assert.Throws<ResourceLimitException>(() => processor.Prepare(image, ImageMode.Pad));
        Assert.Contains("square padding", error.Message);
    }

    // Case 4: a preprocessor crop size that disagrees with the vision config is found at load, not after preprocessing.
    [Fact]
    public void Case4_crop_size_disagreeing_with_image_size_fails_at_load()
    {
        using var broken = new BrokenCheckpoint(Llava, jsonFile: "preprocessor_config.json",
            edit: json => json["crop_size"] = new System.Text.Json.Nodes.JsonObject { ["height"] = 8000, ["width"] = 8000 });
        var error = Assert.Throws<CheckpointException>(() => VisionLanguageModel.Load(broken.Path));
        Assert.Contains("crop_size", error.Message);
        Assert.Contains("8000", error.Message);
        Assert.Contains("image_size", error.Message);
        Assert.Equal("crop_size", error.Field);
    }

    [Fact]
    public void Case4_a_huge_crop_size_is_a_named_limit_not_an_overflow()
    {
        using var broken = new BrokenCheckpoint(Clip, jsonFile: "preprocessor_config.json",
            edit: json => json["crop_size"] = new System.Text.Json.Nodes.JsonObject { ["height"] = 100000, ["width"] = 100000 });
        using var temp = new TempDirectory();
        var result = CliRunner.Run("encode", "--model", broken.Path, "--image", Coffee, "--out", temp.File("t.safetensors"));
        CliRunner.AssertOneLineError(result, "crop_size", broken.Path);
        Assert.DoesNotContain("overflow", result.Error, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Case4_the_cli_reports_the_crop_mismatch_before_preprocessing()
    {
        using var broken = new BrokenCheckpoint(Clip, jsonFile: "preprocessor_config.json",
            edit: json => json["crop_size"] = new System.Text.Json.Nodes.JsonObject { ["height"] = 8000, ["width"] = 8000 });
        using var temp = new TempDirectory();
        var result = CliRunner.Run("encode", "--model", broken.Path, "--image", Coffee, "--out", temp.File("t.safetensors"));
        CliRunner.AssertOneLineError(result, "crop_size", "8000", "image_size");
    }

    // Case 5: messages in the user's terms.
    [Fact]
    public void Case5_demo_names_the_users_image_as_their_option()
    {
        using var temp = new TempDirectory();
        File.WriteAllText(temp.File("notes.png"), "not an image");
        var result = CliRunner.Run("demo", "--image", temp.File("notes.png"), "--out", temp.File("demo.png"));
        CliRunner.AssertOneLineError(result, "--image", "notes.png");
        Assert.DoesNotContain("bundled image", result.Error);
    }

    [Fact]
    public void Case5_hidden_size_not_divisible_by_heads_says_so()
    {
        using var broken = new BrokenCheckpoint(Llava, jsonFile: "config.json",
            edit: json => json["text_config"]!["num_attention_heads"] = 5);
        var error = Assert.ThrowsAny<Exception>(() => VisionLanguageModel.Load(broken.Path));
        Assert.Contains("not divisible", error.Message);
        Assert.Contains("96", error.Message);
        Assert.DoesNotContain("must be even", error.Message);
    }

    [Fact]
    public void Case5_an_integer_too_large_is_not_called_a_non_integer()
    {
        using var broken = new BrokenCheckpoint(Llava, jsonFile: "config.json",
            edit: json => json["text_config"]!["vocab_size"] = 1_000_000_000_000L);
        var error = Assert.ThrowsAny<Exception>(() => VisionLanguageModel.Load(broken.Path));
        Assert.Contains("vocab_size", error.Message);
        Assert.Contains("out of range", error.Message);
        Assert.DoesNotContain("must be an integer", error.Message);
    }

    [Fact]
    public void Case5_dotnet_parameter_suffixes_do_not_reach_the_user()
    {
        var error = new ArgumentException("pixelValues: expected [1, 3, 336, 336]", "pixelValues");
        Assert.Contains("(Parameter 'pixelValues')", error.Message);
        Assert.Equal("pixelValues: expected [1, 3, 336, 336]", ErrorMessages.Render(error.Message));
    }

    // Case 6: an unwritable output location is reported before any work (a pseudo file system even root cannot write).
    [Fact]
    public void Case6_an_unwritable_output_directory_fails_before_the_work()
    {
        var result = CliRunner.Run("encode", "--model", Clip, "--image", Coffee, "--out", "/proc/visionzip-tokens.safetensors");
        CliRunner.AssertOneLineError(result, "--out", "not writable");
        Assert.Equal("", result.Output); // no stage timings: nothing was computed
    }

    // Case 8: non-finite weights and logits are named errors, not token 0 forever.
    [Fact]
    public void Case8_a_nan_projector_fails_at_load_naming_the_tensor()
    {
        using var broken = new BrokenCheckpoint(Llava, weights: (name, tensor) =>
        {
            if (name == "multi_modal_projector.linear_1.weight")
            {
                tensor[0, 0] = float.NaN;
            }

            return tensor;
        });
        var error = Assert.Throws<CheckpointException>(() => VisionLanguageModel.Load(broken.Path));
        Assert.Equal("multi_modal_projector.linear_1.weight", error.Tensor);
        Assert.Contains("non-finite", error.Message);

        var result = CliRunner.Run("generate", "--model", broken.Path, "--image", Coffee, "--prompt", "What?", "--max-new-tokens", "3");
        CliRunner.AssertOneLineError(result, "multi_modal_projector.linear_1.weight", "non-finite");
    }

    [Fact]
    public void Case8_nan_logits_stop_generation_with_a_named_error()
    {
        const int vocab = 8;
        var model = new ScriptedModel(vocab, (_, position) => position < 5 ? ScriptedModel.Favour(vocab, 1) : Enumerable.Repeat(float.NaN, vocab).ToArray());
        using var prompt = tensor(new long[] { 1, 2, 3 }).unsqueeze(0);
        var error = Assert.Throws<NumericalException>(() =>
            new TextGenerator(model).Generate(GenerationPrompt.FromIds(prompt), new GenerationOptions { MaxNewTokens = 10 }));
        Assert.Contains("NaN", error.Message);
        Assert.Contains("decode step", error.Message);
    }

    // Case 9: the model's control characters are escaped on the terminal (kept as they are in --json).
    [Fact]
    public void Case9_streamed_text_escapes_control_characters()
    {
        var tokenizer = TokenizerLoader.Load(Llava);
        string hostile = "ok \u001b[2J\u001b]0;owned\u0007 \u202Eevil\r done";
        int[] ids = [.. tokenizer.Encode(hostile, addSpecialTokens: false)];
        Assert.Equal(hostile, tokenizer.Decode(ids, skipSpecialTokens: true).TrimStart()); // the fixture tokenizer can say it
        using var output = new StringWriter();
        var streamer = new TokenStreamer(output, tokenizer, enabled: true);
        foreach (int id in ids)
        {
            streamer.Write(id);
        }

        streamer.Finish();
        string shown = output.ToString();
        Assert.DoesNotContain('\u001b', shown);
        Assert.DoesNotContain('\u0007', shown);
        Assert.DoesNotContain('\u202E', shown);
        Assert.DoesNotContain('\r', shown);
        Assert.Contains("\\x1b[2J", shown);
        Assert.Contains("\\u202e", shown);
        Assert.Contains("done", shown);
    }

    // A width x 1 black PNG: a few hundred bytes that decode fine.
    private static byte[] Strip(int width) => TestImages.Encode(width, 1, new byte[width * 4], SKEncodedImageFormat.Png);
}
