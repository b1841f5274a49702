using VisionZip.Models.Vision;
using static TorchSharp.torch;
using VisionZip.Tests.Support;

namespace VisionZip.Tests.Vision;

/// <summary>clip-vit-tiny-patch14-336 (CLIPModel, F32): every hidden state, layer[-2] statistics, features, VisionZip cases.</summary>
public sealed class ClipParityTests() : TowerParityTests(FixtureName)
{
    private const string FixtureName = "clip-vit-tiny-patch14-336";

    public static TheoryData<int, int> Cases => Core.ZipGolden.Cases(FixtureName);

    [Fact]
    public void Loads_the_vision_side_of_a_full_CLIPModel()
    {
        Assert.IsType<ClipVisionTransformer>(Tower.Transformer);
        Assert.Equal("vision_model.", Tower.WeightPrefix);
        Assert.Equal(VisionFeatureSelection.LlavaDefault, Tower.Selection);
        Assert.Equal(3, Tower.FeatureHiddenStateIndex);
        Assert.Equal(577, Tower.Config.NumPositions);
        Assert.Equal(VisionActivation.QuickGelu, Tower.Config.HiddenAct);
    }

    [Fact]
    public void Every_hidden_state_matches()
    {
        using var scope = NewDisposeScope();
        var states = AssertEveryHiddenStateMatches(5);
        Golden.Close("pooler_output", Tower.Transformer.ApplyPostLayerNorm(states[^1].select(1, 0)));
    }

    [Fact]
    public void Single_hidden_state_matches_for_positive_and_negative_indices()
    {
        using var scope = NewDisposeScope();
        var pixels = Golden["pixel_values"];
        Golden.Close("hidden_states.3", Tower.Transformer.ForwardHiddenState(pixels, -2));
        Golden.Close("hidden_states.4", Tower.Transformer.ForwardHiddenState(pixels, -1));
        Golden.Close("hidden_states.1", Tower.Transformer.ForwardHiddenState(pixels, 1));
        Golden.Close("hidden_states.0", Tower.Transformer.ForwardHiddenState(pixels, -5));
        Assert.Throws<ArgumentOutOfRangeException>(() => Tower.Transformer.ForwardHiddenState(pixels, 5));
        Assert.Throws<ArgumentOutOfRangeException>(() => Tower.Transformer.ForwardHiddenState(pixels, -6));
    }

    [Fact]
    public void Feature_layer_statistics_match()
    {
        using var scope = NewDisposeScope();
        using var features = Tower.ZipFeatures(Golden["pixel_values"]);
        Assert.True(features.HasCls);
        Assert.Equal(3, Tower.FeatureHiddenStateIndex);
        Golden.Close("hidden_states.3", features.HiddenStates);
        Golden.Close("layer_m2.cls_attention", features.Attention!);
        Golden.Close("layer_m2.metric", features.Metric!);
        Golden.Close("layer_m2.scores", features.Attention!.sum(1).narrow(1, 1, 576));
    }

    [Fact]
    public void Vanilla_features_drop_cls()
    {
        using var scope = NewDisposeScope();
        var features = Tower.EncodeVanilla(Golden["pixel_values"]);
        Assert.Equal(576, Tower.VanillaTokenCount);
        Golden.Close("features_default", features);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Zipped_tokens_and_indices_match(int dominant, int contextual) => AssertZipMatches(dominant, contextual);

    [Fact]
    public void A_list_of_images_is_one_batch_zipped_per_image()
    {
        using var scope = NewDisposeScope();
        var pixels = Golden["pixel_values"];
        using var zipped = Tower.ZipWith([pixels[1], pixels[0]], new ZipBudget(54, 10));
        var golden = Golden["zip.54_10.tokens"];
        Golden.Equal("zip.54_10.kept", zipped.KeptIndices.flip(0));
        Support.TensorAssert.Close(golden[1], zipped.Tokens[0], "image 0 of the list = golden row 1");
        Support.TensorAssert.Close(golden[0], zipped.Tokens[1], "image 1 of the list = golden row 0");
    }

    [Fact]
    public void Encoding_leaves_no_live_tensors()
    {
        using var pixels = Golden["pixel_values"];
        long before = TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        for (int i = 0; i < 2; i++)
        {
            using (var zipped = Tower.ZipWith(pixels, new ZipBudget(54, 10)))
            {
            }

            using var vanilla = Tower.EncodeVanilla(pixels);
        }

        Assert.Equal(before, TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    [Fact]
    public void Wrongly_sized_pixels_are_rejected_with_both_shapes()
    {
        using var pixels = zeros(1, 3, 224, 224);
        var error = Assert.Throws<ArgumentException>(() => Tower.EncodeVanilla(pixels));
        Assert.Contains("[1, 3, 224, 224]", error.Message);
        Assert.Contains("336", error.Message);
    }
}
