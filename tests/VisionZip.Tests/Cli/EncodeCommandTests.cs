using TorchSharp;
using VisionZip.Models.IO;
using VisionZip.Tests.Support;
using static TorchSharp.torch;

namespace VisionZip.Tests.Cli;

/// <summary><c>encode</c> on the fixture CLIP / SigLIP / llava-hf directories reproduces the goldens.</summary>
public sealed class EncodeCommandTests
{
    private static readonly string Coffee = Fixtures.Path("images", "coffee.png");

    private static SafetensorsFile Encode(TempDirectory temp, string folder, params string[] extra)
    {
        string output = temp.File("tokens.safetensors");
        CliResult result = CliRunner.Run(["encode", "--model", Fixtures.Path(folder), "--image", Coffee, "--out", output, .. extra]);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("visual tokens", result.Output);
        Assert.Equal(["tokens.safetensors"], temp.Entries());
        return SafetensorsFile.Open(output);
    }

    [Fact]
    public void Clip_DefaultPreset_MatchesGolden()
    {
        using var scope = NewDisposeScope();
        using var temp = new TempDirectory();
        using var golden = SafetensorsFile.Open(Fixtures.Path("clip-vit-tiny-patch14-336", "golden.safetensors"));
        using var written = Encode(temp, "clip-vit-tiny-patch14-336");

        TensorAssert.PixelsClose(golden.Read("pixel_values")[0..1], written.Read("pixel_values"), "pixel_values");
        TensorAssert.Close(golden.Read("zip.54_10.tokens")[0..1], written.Read("visual_tokens"), "visual_tokens");
        TensorAssert.Equal(golden.Read("zip.54_10.kept")[0..1], written.Read("kept_indices"), "kept_indices");
        Assert.Equal(ScalarType.Int64, written.Read("kept_indices").dtype);
        Assert.False(written.Contains("projected_tokens"));
    }

    [Fact]
    public void Clip_CustomBudget_MatchesGolden()
    {
        using var scope = NewDisposeScope();
        using var temp = new TempDirectory();
        using var golden = SafetensorsFile.Open(Fixtures.Path("clip-vit-tiny-patch14-336", "golden.safetensors"));
        using var written = Encode(temp, "clip-vit-tiny-patch14-336", "--dominant", "108", "--contextual", "20");

        TensorAssert.Close(golden.Read("zip.108_20.tokens")[0..1], written.Read("visual_tokens"), "visual_tokens");
        TensorAssert.Equal(golden.Read("zip.108_20.kept")[0..1], written.Read("kept_indices"), "kept_indices");
    }

    [Fact]
    public void Clip_NoZip_WritesTheLlavaFeatures()
    {
        using var scope = NewDisposeScope();
        using var temp = new TempDirectory();
        using var golden = SafetensorsFile.Open(Fixtures.Path("clip-vit-tiny-patch14-336", "golden.safetensors"));
        using var written = Encode(temp, "clip-vit-tiny-patch14-336", "--no-zip");

        TensorAssert.Close(golden.Read("features_default")[0..1], written.Read("visual_tokens"), "visual_tokens");
        Assert.False(written.Contains("kept_indices"));
    }

    [Fact]
    public void Siglip_DefaultPreset_MatchesGolden()
    {
        using var scope = NewDisposeScope();
        using var temp = new TempDirectory();
        using var golden = SafetensorsFile.Open(Fixtures.Path("siglip-tiny-patch14-384", "golden.safetensors"));
        using var written = Encode(temp, "siglip-tiny-patch14-384");

        TensorAssert.PixelsClose(golden.Read("pixel_values")[0..1], written.Read("pixel_values"), "pixel_values");
        TensorAssert.Close(golden.Read("zip.54_10.tokens")[0..1], written.Read("visual_tokens"), "visual_tokens");
        TensorAssert.Equal(golden.Read("zip.54_10.kept")[0..1], written.Read("kept_indices"), "kept_indices");
    }

    [Theory]
    [InlineData("crop")]
    [InlineData("pad")]
    public void Llava_Zipped_MatchesGoldenIncludingProjection(string mode)
    {
        using var scope = NewDisposeScope();
        using var temp = new TempDirectory();
        using var golden = SafetensorsFile.Open(Fixtures.Path("llava-1.5-tiny-hf", "golden.safetensors"));
        using var written = Encode(temp, "llava-1.5-tiny-hf", "--image-mode", mode, "--dominant", "54", "--contextual", "10");

        TensorAssert.PixelsClose(golden.Read($"{mode}.pixel_values"), written.Read("pixel_values"), "pixel_values");
        TensorAssert.Close(golden.Read($"{mode}.zip.image_features"), written.Read("visual_tokens"), "visual_tokens");
        TensorAssert.Equal(golden.Read($"{mode}.zip.kept"), written.Read("kept_indices"), "kept_indices");
        TensorAssert.Close(golden.Read($"{mode}.zip.projected"), written.Read("projected_tokens"), "projected_tokens");
    }

    [Fact]
    public void Llava_NoZip_WritesLayerMinus2WithoutCls()
    {
        using var scope = NewDisposeScope();
        using var temp = new TempDirectory();
        using var golden = SafetensorsFile.Open(Fixtures.Path("llava-1.5-tiny-hf", "golden.safetensors"));
        using var written = Encode(temp, "llava-1.5-tiny-hf", "--no-zip");        // llava-hf's processor: crop

        TensorAssert.PixelsClose(golden.Read("crop.pixel_values"), written.Read("pixel_values"), "pixel_values");
        TensorAssert.Close(golden.Read("crop.vision.hidden_states_m2")[.., 1..], written.Read("visual_tokens"), "visual_tokens");
        Assert.Equal([1, 576, 96], written.Read("projected_tokens").shape);
    }

    [Fact]
    public void LlavaInterleave_SiglipTower_MatchesGolden()
    {
        using var scope = NewDisposeScope();
        using var temp = new TempDirectory();
        using var golden = SafetensorsFile.Open(Fixtures.Path("llava-interleave-qwen-tiny-hf", "golden.safetensors"));
        using var written = Encode(temp, "llava-interleave-qwen-tiny-hf");

        TensorAssert.PixelsClose(golden.Read("pixel_values"), written.Read("pixel_values"), "pixel_values");
        TensorAssert.Close(golden.Read("zip.image_features"), written.Read("visual_tokens"), "visual_tokens");
        TensorAssert.Equal(golden.Read("zip.kept"), written.Read("kept_indices"), "kept_indices");
        TensorAssert.Close(golden.Read("zip.projected"), written.Read("projected_tokens"), "projected_tokens");
    }

    [Fact]
    public void CorruptImage_NamesItAndWritesNothing()
    {
        using var temp = new TempDirectory();
        string image = temp.File("broken.png");
        File.WriteAllBytes(image, [0x89, 0x50, 0x4E, 0x47, 1, 2, 3]);
        string output = temp.File("tokens.safetensors");
        File.WriteAllText(output, "precious");

        CliResult result = CliRunner.Run("encode", "--model", Fixtures.Path("clip-vit-tiny-patch14-336"), "--image", image, "--out", output);

        CliRunner.AssertOneLineError(result, "--image", image);
        Assert.Equal("precious", File.ReadAllText(output));
        Assert.Equal(["broken.png", "tokens.safetensors"], temp.Entries().Order());
    }

    [Fact]
    public void BudgetTooLarge_NamesTheOptions()
    {
        using var temp = new TempDirectory();
        CliResult result = CliRunner.Run("encode", "--model", Fixtures.Path("clip-vit-tiny-patch14-336"), "--image", Coffee,
            "--out", temp.File("t.safetensors"), "--dominant", "570", "--contextual", "10");
        CliRunner.AssertOneLineError(result, "--contextual");
        Assert.Empty(temp.Entries());
    }

    [Fact]
    public void CheckpointMissingWeights_NamesTheModel()
    {
        using var temp = new TempDirectory();
        string model = Directory.CreateDirectory(temp.File("model")).FullName;
        File.Copy(Fixtures.Path("clip-vit-tiny-patch14-336", "config.json"), Path.Combine(model, "config.json"));
        File.Copy(Fixtures.Path("clip-vit-tiny-patch14-336", "preprocessor_config.json"), Path.Combine(model, "preprocessor_config.json"));

        CliResult result = CliRunner.Run("encode", "--model", model, "--image", Coffee, "--out", temp.File("t.safetensors"));

        CliRunner.AssertOneLineError(result, "--model");
        Assert.Equal(["model"], temp.Entries());
    }

    [Fact]
    public void CorruptWeights_NamesTheFile()
    {
        using var temp = new TempDirectory();
        string model = Directory.CreateDirectory(temp.File("model")).FullName;
        foreach (string name in new[] { "config.json", "preprocessor_config.json" })
        {
            File.Copy(Fixtures.Path("clip-vit-tiny-patch14-336", name), Path.Combine(model, name));
        }

        File.WriteAllBytes(Path.Combine(model, "model.safetensors"), [1, 2, 3, 4, 5, 6, 7, 8, 9]);
        CliResult result = CliRunner.Run("encode", "--model", model, "--image", Coffee, "--out", temp.File("t.safetensors"));

        CliRunner.AssertOneLineError(result, "model.safetensors");
        Assert.Equal(["model"], temp.Entries());
    }
}
