using TorchSharp;
using VisionZip.Runtime;
using VisionZip.Tests.Support;
using static TorchSharp.torch;

namespace VisionZip.Tests.Core;

/// <summary>
/// Every VisionZip case of siglip-tiny-patch14-384 (no CLS, mean received attention): inputs from layer[-2]
/// (per-head mean received attention, metric) and hidden_states[-2].
/// </summary>
public class SiglipZipParityTests
{
    // torch must not run before the native shim: a failed TorchSharp type initializer poisons the whole process.
    public SiglipZipParityTests() => TorchRuntime.EnsureLoaded();

    private const string Folder = "siglip-tiny-patch14-384";

    public static TheoryData<int, int> Cases => ZipGolden.Cases(Folder);

    private static string FeatureLayer => $"hidden_states.{ZipGolden.EncoderLayers(Folder) - 1}";

    [Theory]
    [MemberData(nameof(Cases))]
    public void Zip_from_the_per_head_statistic_matches_the_golden(int dominant, int contextual)
    {
        using var golden = ZipGolden.Open(Folder);
        using var scope = NewDisposeScope();
        var hiddenStates = golden.Read(FeatureLayer);
        var received = golden.Read("layer_m2.mean_received_attention_per_head");  // [B, H, N]
        var metric = golden.Read("layer_m2.metric");

        using var result = VisionZipper.Zip(hiddenStates, received, metric, new ZipBudget(dominant, contextual), hasCls: false);

        string prefix = $"zip.{dominant}_{contextual}.";
        ZipGolden.AssertMatches(golden, prefix, prefix + "tokens", result);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Zip_from_the_reduced_scores_matches_the_golden(int dominant, int contextual)
    {
        using var golden = ZipGolden.Open(Folder);
        using var scope = NewDisposeScope();
        var hiddenStates = golden.Read(FeatureLayer);
        var scores = golden.Read("layer_m2.scores");                                // [B, N]
        var metric = golden.Read("layer_m2.metric");

        using var result = VisionZipper.Zip(hiddenStates, scores, metric, new ZipBudget(dominant, contextual), hasCls: false);

        string prefix = $"zip.{dominant}_{contextual}.";
        ZipGolden.AssertMatches(golden, prefix, prefix + "tokens", result);
    }

    [Fact]
    public void Zip_from_a_full_map_whose_query_mean_is_the_statistic_matches_the_golden()
    {
        using var golden = ZipGolden.Open(Folder);
        using var scope = NewDisposeScope();
        var hiddenStates = golden.Read(FeatureLayer);
        var received = golden.Read("layer_m2.mean_received_attention_per_head");  // [B, H, N]
        var metric = golden.Read("layer_m2.metric");
        var (batch, heads, seqLen) = (received.shape[0], received.shape[1], received.shape[2]);
        // A[b, h, i, j] = received[b, h, j] + noise[b, h, i, j], the noise averaging to zero over the queries i.
        var noise = torch.rand([batch, heads, seqLen, seqLen], generator: new Generator(11)) * 1e-3;
        noise -= noise.mean([2], keepdim: true);
        var fullMap = received.unsqueeze(2) + noise;                                // [B, H, N, N]

        using var result = VisionZipper.Zip(hiddenStates, fullMap, metric, ZipPresets.Llava15_64, hasCls: false);

        ZipGolden.AssertMatches(golden, "zip.54_10.", "zip.54_10.tokens", result);
    }

    [Fact]
    public void Scores_are_the_golden_scores()
    {
        using var golden = ZipGolden.Open(Folder);
        using var scope = NewDisposeScope();
        using var result = VisionZipper.Zip(golden.Read(FeatureLayer), golden.Read("layer_m2.mean_received_attention_per_head"),
            golden.Read("layer_m2.metric"), ZipPresets.Llava15_64, hasCls: false);

        TensorAssert.Close(golden.Read("layer_m2.scores"), result.Scores, "layer_m2.scores");
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
