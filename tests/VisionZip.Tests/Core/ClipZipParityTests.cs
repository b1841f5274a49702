using TorchSharp;
using VisionZip.Models.IO;
using VisionZip.Tests.Support;
using static TorchSharp.torch;

namespace VisionZip.Tests.Core;

/// <summary>
/// Every VisionZip case of clip-vit-tiny-patch14-336 (CLS variant): inputs from layer[-2] (CLS-query attention,
/// metric) and hidden_states[-2].
/// </summary>
public class ClipZipParityTests() : EncoderZipParityTests(Folder)
{
    private const string Folder = "clip-vit-tiny-patch14-336";

    public static TheoryData<int, int> Cases => ZipGolden.Cases(Folder);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Zip_from_the_cls_row_matches_the_golden(int dominant, int contextual) =>
        AssertZipMatches(ClsAttention, new ZipBudget(dominant, contextual), hasCls: true);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Zip_from_a_full_map_holding_the_cls_row_matches_the_golden(int dominant, int contextual) =>
        AssertZipMatches(FullMapHoldingTheClsRow, new ZipBudget(dominant, contextual), hasCls: true);

    [Fact]
    public void Scores_are_the_golden_patch_scores_with_nan_at_cls()
    {
        using var golden = ZipGolden.Open(Folder);
        using var scope = NewDisposeScope();
        using var result = Zip(golden, ClsAttention(golden), ZipPresets.Llava15_64, hasCls: true);

        Assert.Equal(ScalarType.Float32, result.Scores.dtype);
        Assert.True(result.Scores[.., 0].isnan().all().item<bool>(), "Scores at CLS should be NaN");
        TensorAssert.Close(golden.Read("layer_m2.scores"), result.Scores[.., 1..], "layer_m2.scores");
    }

    private static Tensor ClsAttention(SafetensorsFile golden) => golden.Read("layer_m2.cls_attention"); // [B, H, N]

    private static Tensor FullMapHoldingTheClsRow(SafetensorsFile golden)
    {
        var clsAttention = ClsAttention(golden);
        var (batch, heads, seqLen) = (clsAttention.shape[0], clsAttention.shape[1], clsAttention.shape[2]);
        var generator = new Generator(7);
        var fullMap = torch.rand([batch, heads, seqLen, seqLen], generator: generator).softmax(-1); // [B, H, N, N]
        fullMap.select(2, 0).copy_(clsAttention);                                  // only the CLS query row matters
        return fullMap;
    }
}
