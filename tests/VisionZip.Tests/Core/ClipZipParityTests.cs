using TorchSharp;
using VisionZip.Runtime;
using VisionZip.Tests.Support;
using static TorchSharp.torch;

namespace VisionZip.Tests.Core;

/// <summary>
/// Every VisionZip case of clip-vit-tiny-patch14-336 (CLS variant): inputs from layer[-2] (CLS-query attention,
/// metric) and hidden_states[-2].
/// </summary>
public class ClipZipParityTests
{
    // torch must not run before the native shim: a failed TorchSharp type initializer poisons the whole process.
    public ClipZipParityTests() => TorchRuntime.EnsureLoaded();

    private const string Folder = "clip-vit-tiny-patch14-336";

    public static TheoryData<int, int> Cases => ZipGolden.Cases(Folder);

    private static string FeatureLayer => $"hidden_states.{ZipGolden.EncoderLayers(Folder) - 1}";

    [Theory]
    [MemberData(nameof(Cases))]
    public void Zip_from_the_cls_row_matches_the_golden(int dominant, int contextual)
    {
        using var golden = ZipGolden.Open(Folder);
        using var scope = NewDisposeScope();
        var hiddenStates = golden.Read(FeatureLayer);
        var clsAttention = golden.Read("layer_m2.cls_attention");                 // [B, H, N]
        var metric = golden.Read("layer_m2.metric");

        using var result = VisionZipper.Zip(hiddenStates, clsAttention, metric, new ZipBudget(dominant, contextual), hasCls: true);

        string prefix = $"zip.{dominant}_{contextual}.";
        ZipGolden.AssertMatches(golden, prefix, prefix + "tokens", result);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Zip_from_a_full_map_holding_the_cls_row_matches_the_golden(int dominant, int contextual)
    {
        using var golden = ZipGolden.Open(Folder);
        using var scope = NewDisposeScope();
        var hiddenStates = golden.Read(FeatureLayer);
        var clsAttention = golden.Read("layer_m2.cls_attention");                 // [B, H, N]
        var metric = golden.Read("layer_m2.metric");
        var (batch, heads, seqLen) = (clsAttention.shape[0], clsAttention.shape[1], clsAttention.shape[2]);
        var generator = new Generator(7);
        var fullMap = torch.rand([batch, heads, seqLen, seqLen], generator: generator).softmax(-1); // [B, H, N, N]
        fullMap.select(2, 0).copy_(clsAttention);                                  // only the CLS query row matters

        using var result = VisionZipper.Zip(hiddenStates, fullMap, metric, new ZipBudget(dominant, contextual), hasCls: true);

        string prefix = $"zip.{dominant}_{contextual}.";
        ZipGolden.AssertMatches(golden, prefix, prefix + "tokens", result);
    }

    [Fact]
    public void Scores_are_the_golden_patch_scores_with_nan_at_cls()
    {
        using var golden = ZipGolden.Open(Folder);
        using var scope = NewDisposeScope();
        var hiddenStates = golden.Read(FeatureLayer);
        var metric = golden.Read("layer_m2.metric");

        using var result = VisionZipper.Zip(hiddenStates, golden.Read("layer_m2.cls_attention"), metric, ZipPresets.Llava15_64, hasCls: true);

        Assert.Equal(ScalarType.Float32, result.Scores.dtype);
        Assert.True(result.Scores[.., 0].isnan().all().item<bool>(), "Scores at CLS should be NaN");
        TensorAssert.Close(golden.Read("layer_m2.scores"), result.Scores[.., 1..], "layer_m2.scores");
    }

    [Fact]
    public void Every_zip_case_of_the_golden_file_is_listed()
    {
        using var golden = ZipGolden.Open(Folder);
        var stored = golden.Tensors.Keys.Where(name => name.StartsWith("zip.", StringComparison.Ordinal) && name.EndsWith(".kept", StringComparison.Ordinal))
            .Select(name => name["zip.".Length..^".kept".Length]).Order().ToList();
        var listed = Cases.Select(row => $"{row[0]}_{row[1]}").Order().ToList();
        Assert.Equal(stored, listed);
    }
}
