using VisionZip.Models.Vision;
using static TorchSharp.torch;

namespace VisionZip.Tests.Vision;

/// <summary>clip-vit-tiny-patch14-336 (CLIPModel, F32): every hidden state, layer[-2] statistics, features, VisionZip cases.</summary>
public sealed class ClipParityTests : IDisposable
{
    private const string FixtureName = "clip-vit-tiny-patch14-336";
    private readonly Golden _golden = new(FixtureName);
    private readonly VisionTower _tower;

    public ClipParityTests()
    {
        _tower = VisionTower.Load(_golden.Directory);
    }

    [Fact]
    public void Loads_the_vision_side_of_a_full_CLIPModel()
    {
        Assert.IsType<ClipVisionTransformer>(_tower.Transformer);
        Assert.Equal("vision_model.", _tower.WeightPrefix);
        Assert.Equal(VisionFeatureSelection.LlavaDefault, _tower.Selection);
        Assert.Equal(3, _tower.FeatureHiddenStateIndex);
        Assert.Equal(577, _tower.Config.NumPositions);
        Assert.Equal(VisionActivation.QuickGelu, _tower.Config.HiddenAct);
    }

    [Fact]
    public void Every_hidden_state_matches()
    {
        using var scope = NewDisposeScope();
        var states = _tower.Transformer.ForwardHiddenStates(_golden["pixel_values"]);
        Assert.Equal(5, states.Count);
        for (int i = 0; i < states.Count; i++)
        {
            _golden.Close($"hidden_states.{i}", states[i]);
        }

        _golden.Close("pooler_output", _tower.Transformer.ApplyPostLayerNorm(states[^1].select(1, 0)));
    }

    [Fact]
    public void Single_hidden_state_matches_for_positive_and_negative_indices()
    {
        using var scope = NewDisposeScope();
        var pixels = _golden["pixel_values"];
        _golden.Close("hidden_states.3", _tower.Transformer.ForwardHiddenState(pixels, -2));
        _golden.Close("hidden_states.4", _tower.Transformer.ForwardHiddenState(pixels, -1));
        _golden.Close("hidden_states.1", _tower.Transformer.ForwardHiddenState(pixels, 1));
        _golden.Close("hidden_states.0", _tower.Transformer.ForwardHiddenState(pixels, -5));
        Assert.Throws<ArgumentOutOfRangeException>(() => _tower.Transformer.ForwardHiddenState(pixels, 5));
        Assert.Throws<ArgumentOutOfRangeException>(() => _tower.Transformer.ForwardHiddenState(pixels, -6));
    }

    [Fact]
    public void Feature_layer_statistics_match()
    {
        using var scope = NewDisposeScope();
        using var features = _tower.EncodeFeatureLayer(_golden["pixel_values"]);
        Assert.True(features.HasCls);
        Assert.Equal(3, features.HiddenStateIndex);
        _golden.Close("hidden_states.3", features.HiddenStates);
        _golden.Close("layer_m2.cls_attention", features.Attention);
        _golden.Close("layer_m2.metric", features.Metric);
        _golden.Close("layer_m2.scores", features.Attention.sum(1).narrow(1, 1, 576));
    }

    [Fact]
    public void Vanilla_features_drop_cls()
    {
        using var scope = NewDisposeScope();
        var features = _tower.EncodeVanilla(_golden["pixel_values"]);
        Assert.Equal(576, _tower.VanillaTokenCount);
        _golden.Close("features_default", features);
    }

    [Theory]
    [InlineData(54, 10)]
    [InlineData(108, 20)]
    [InlineData(162, 30)]
    [InlineData(2, 1)]
    [InlineData(577, 0)]
    [InlineData(500, 77)]
    [InlineData(54, 0)]
    public void Zipped_tokens_and_indices_match(int dominant, int contextual)
    {
        using var scope = NewDisposeScope();
        using var zipped = _tower.EncodeZipped(_golden["pixel_values"], new ZipBudget(dominant, contextual));
        string name = $"zip.{dominant}_{contextual}";
        _golden.Equal($"{name}.kept", zipped.KeptIndices);
        _golden.Equal($"{name}.targets", zipped.ContextualTargets);
        _golden.Equal($"{name}.assignment", zipped.Assignment);
        _golden.Close($"{name}.tokens", zipped.Tokens);
    }

    [Fact]
    public void A_list_of_images_is_one_batch_zipped_per_image()
    {
        using var scope = NewDisposeScope();
        var pixels = _golden["pixel_values"];
        using var zipped = _tower.EncodeZipped([pixels[1], pixels[0]], new ZipBudget(54, 10));
        var golden = _golden["zip.54_10.tokens"];
        _golden.Equal("zip.54_10.kept", zipped.KeptIndices.flip(0));
        Support.TensorAssert.Close(golden[1], zipped.Tokens[0], "image 0 of the list = golden row 1");
        Support.TensorAssert.Close(golden[0], zipped.Tokens[1], "image 1 of the list = golden row 0");
    }

    [Fact]
    public void Encoding_leaves_no_live_tensors()
    {
        using var pixels = _golden["pixel_values"];
        long before = TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        for (int i = 0; i < 2; i++)
        {
            using (var zipped = _tower.EncodeZipped(pixels, new ZipBudget(54, 10)))
            {
            }

            using var vanilla = _tower.EncodeVanilla(pixels);
        }

        Assert.Equal(before, TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    [Fact]
    public void Wrongly_sized_pixels_are_rejected_with_both_shapes()
    {
        using var pixels = zeros(1, 3, 224, 224);
        var error = Assert.Throws<ArgumentException>(() => _tower.EncodeVanilla(pixels));
        Assert.Contains("[1, 3, 224, 224]", error.Message);
        Assert.Contains("336", error.Message);
    }

    public void Dispose()
    {
        _tower.Dispose();
        _golden.Dispose();
    }
}
