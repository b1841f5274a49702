using TorchSharp;
using VisionZip.Models.IO;
using VisionZip.Tests.Support;
using static TorchSharp.torch;

namespace VisionZip.Tests.Core;

/// <summary>
/// Every VisionZip case of siglip-tiny-patch14-384 (no CLS, mean received attention): inputs from layer[-2]
/// (per-head mean received attention, metric) and hidden_states[-2].
/// </summary>
public class SiglipZipParityTests() : EncoderZipParityTests(Folder)
{
    private const string Folder = "siglip-tiny-patch14-384";

    public static TheoryData<int, int> Cases => ZipGolden.Cases(Folder);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Zip_from_the_per_head_statistic_matches_the_golden(int dominant, int contextual) =>
        AssertZipMatches(PerHeadStatistic, new ZipBudget(dominant, contextual), hasCls: false);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Zip_from_the_reduced_scores_matches_the_golden(int dominant, int contextual) =>
        AssertZipMatches(golden => golden.Read("layer_m2.scores"), new ZipBudget(dominant, contextual), hasCls: false); // [B, N]

    [Fact]
    public void Zip_from_a_full_map_whose_query_mean_is_the_statistic_matches_the_golden() =>
        AssertZipMatches(FullMapWhoseQueryMeanIsTheStatistic, ZipPresets.Llava15_64, hasCls: false);

    [Fact]
    public void Scores_are_the_golden_scores()
    {
        using var golden = ZipGolden.Open(Folder);
        using var scope = NewDisposeScope();
        using var result = Zip(golden, PerHeadStatistic(golden), ZipPresets.Llava15_64, hasCls: false);

        TensorAssert.Close(golden.Read("layer_m2.scores"), result.Scores, "layer_m2.scores");
    }

    private static Tensor PerHeadStatistic(SafetensorsFile golden) => golden.Read("layer_m2.mean_received_attention_per_head"); // [B, H, N]

    private static Tensor FullMapWhoseQueryMeanIsTheStatistic(SafetensorsFile golden)
    {
        var received = PerHeadStatistic(golden);
        var (batch, heads, seqLen) = (received.shape[0], received.shape[1], received.shape[2]);
        // A[b, h, i, j] = received[b, h, j] + noise[b, h, i, j], the noise averaging to zero over the queries i.
        var noise = torch.rand([batch, heads, seqLen, seqLen], generator: new Generator(11)) * 1e-3;
        noise -= noise.mean([2], keepdim: true);
        return received.unsqueeze(2) + noise;                                       // [B, H, N, N]
    }
}
