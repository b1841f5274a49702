using VisionZip.Models.Vision;
using static TorchSharp.torch;
using VisionZip.Tests.Support;

namespace VisionZip.Tests.Vision;

/// <summary>siglip-tiny-patch14-384 (SiglipModel, F32): hidden states, mean received attention, VisionZip without CLS.</summary>
public sealed class SiglipParityTests() : TowerParityTests(FixtureName)
{
    private const string FixtureName = "siglip-tiny-patch14-384";

    public static TheoryData<int, int> Cases => Core.ZipGolden.Cases(FixtureName);

    [Fact]
    public void Loads_the_vision_side_of_a_full_SiglipModel()
    {
        Assert.IsType<SiglipVisionTransformer>(Tower.Transformer);
        Assert.False(Tower.HasCls);
        Assert.Equal(729, Tower.Config.NumPositions);
        Assert.Equal(VisionActivation.GeluTanh, Tower.Config.HiddenAct);
        Assert.Equal(1e-6, Tower.Config.LayerNormEps);
    }

    [Fact]
    public void Every_hidden_state_matches()
    {
        using var scope = NewDisposeScope();
        AssertEveryHiddenStateMatches(5);
    }

    [Fact]
    public void Feature_layer_statistics_match()
    {
        using var scope = NewDisposeScope();
        using var features = Tower.ZipFeatures(Golden["pixel_values"]);
        Assert.False(features.HasCls);
        Golden.Close("hidden_states.3", features.HiddenStates);
        Golden.Close("layer_m2.mean_received_attention_per_head", features.Attention!);
        Golden.Close("layer_m2.metric", features.Metric!);
        Golden.Close("layer_m2.scores", features.Attention!.mean([1]));
    }

    [Fact]
    public void Vanilla_features_keep_every_token()
    {
        using var scope = NewDisposeScope();
        Assert.Equal(729, Tower.VanillaTokenCount);
        Golden.Close("hidden_states.3", Tower.EncodeVanilla(Golden["pixel_values"]));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Zipped_tokens_and_indices_match(int dominant, int contextual) => AssertZipMatches(dominant, contextual);
}
