using VisionZip.Models.Vision;
using static TorchSharp.torch;

namespace VisionZip.Tests.Vision;

/// <summary>siglip-tiny-patch14-384 (SiglipModel, F32): hidden states, mean received attention, VisionZip without CLS.</summary>
public sealed class SiglipParityTests : IDisposable
{
    private readonly Golden _golden = new("siglip-tiny-patch14-384");
    private readonly VisionTower _tower;

    public SiglipParityTests()
    {
        _tower = VisionTower.Load(_golden.Directory);
    }

    [Fact]
    public void Loads_the_vision_side_of_a_full_SiglipModel()
    {
        Assert.IsType<SiglipVisionTransformer>(_tower.Transformer);
        Assert.False(_tower.HasCls);
        Assert.Equal(729, _tower.Config.NumPositions);
        Assert.Equal(VisionActivation.GeluTanh, _tower.Config.HiddenAct);
        Assert.Equal(1e-6, _tower.Config.LayerNormEps);
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
    }

    [Fact]
    public void Feature_layer_statistics_match()
    {
        using var scope = NewDisposeScope();
        using var features = _tower.EncodeFeatureLayer(_golden["pixel_values"]);
        Assert.False(features.HasCls);
        _golden.Close("hidden_states.3", features.HiddenStates);
        _golden.Close("layer_m2.mean_received_attention_per_head", features.Attention);
        _golden.Close("layer_m2.metric", features.Metric);
        _golden.Close("layer_m2.scores", features.Attention.mean([1]));
    }

    [Fact]
    public void Vanilla_features_keep_every_token()
    {
        using var scope = NewDisposeScope();
        Assert.Equal(729, _tower.VanillaTokenCount);
        _golden.Close("hidden_states.3", _tower.EncodeVanilla(_golden["pixel_values"]));
    }

    [Theory]
    [InlineData(54, 10)]
    [InlineData(108, 20)]
    [InlineData(162, 30)]
    [InlineData(1, 1)]
    [InlineData(729, 0)]
    [InlineData(650, 79)]
    [InlineData(64, 0)]
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

    public void Dispose()
    {
        _tower.Dispose();
        _golden.Dispose();
    }
}
