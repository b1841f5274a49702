using TorchSharp;
using VisionZip.Runtime;
using VisionZip.Tests.Support;
using static TorchSharp.torch;

namespace VisionZip.Tests.Core;

/// <summary>
/// The zip goldens of the LLaVA folders, from their stored vision statistics: LLaVA-1.5 'crop' and 'pad' (CLS,
/// layer[-2]), LLaVA-NeXT (4 images zipped as one batch, CLS) and llava-interleave (SigLIP, layer[-1]).
/// </summary>
public class LlavaZipParityTests
{
    // torch must not run before the native shim: a failed TorchSharp type initializer poisons the whole process.
    public LlavaZipParityTests() => TorchRuntime.EnsureLoaded();

    [Theory]
    [InlineData("crop")]
    [InlineData("pad")]
    public void Llava15_zip_matches_the_golden(string mode)
    {
        const string folder = "llava-1.5-tiny-hf";
        using var golden = ZipGolden.Open(folder);
        using var scope = NewDisposeScope();
        var budget = ZipGolden.Budget(folder);
        Assert.Equal(ZipPresets.Llava15_64, budget);

        using var result = VisionZipper.Zip(
            golden.Read($"{mode}.vision.hidden_states_m2"), golden.Read($"{mode}.vision.cls_attention_m2"),
            golden.Read($"{mode}.vision.metric_m2"), budget, hasCls: true);

        ZipGolden.AssertMatches(golden, $"{mode}.zip.", $"{mode}.zip.image_features", result);
    }

    [Fact]
    public void Llava_next_images_zipped_as_one_batch_match_the_golden()
    {
        const string folder = "llava-next-tiny-patch14-112-hf";
        using var golden = ZipGolden.Open(folder);
        using var scope = NewDisposeScope();

        using var result = VisionZipper.Zip(
            golden.Read("vision.hidden_states_m2"), golden.Read("vision.cls_attention_m2"),
            golden.Read("vision.metric_m2"), ZipGolden.Budget(folder), hasCls: true);

        ZipGolden.AssertMatches(golden, "zip.", "zip.tokens", result);
    }

    [Fact]
    public void Llava_interleave_zip_matches_the_golden()
    {
        const string folder = "llava-interleave-qwen-tiny-hf";
        using var golden = ZipGolden.Open(folder);
        using var scope = NewDisposeScope();

        using var result = VisionZipper.Zip(
            golden.Read("vision.hidden_states_m1"), golden.Read("vision.mean_received_attention_m1"),
            golden.Read("vision.metric_m1"), ZipGolden.Budget(folder), hasCls: false);

        ZipGolden.AssertMatches(golden, "zip.", "zip.image_features", result);
        TensorAssert.Close(golden.Read("vision.scores_m1"), result.Scores, "vision.scores_m1");
    }
}
