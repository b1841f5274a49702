using VisionZip.Models.Vision;
using static TorchSharp.torch;
using VisionZip.Tests.Support;

namespace VisionZip.Tests.Vision;

/// <summary>llava-interleave-qwen-tiny-hf (BF16): truncated SigLIP tower, feature layer -1, strategy 'full'.</summary>
public sealed class LlavaInterleaveVisionParityTests : IDisposable
{
    private readonly Golden _golden = new("llava-interleave-qwen-tiny-hf");
    private readonly VisionTower _tower;
    private readonly LlavaMultiModalProjector _projector;

    public LlavaInterleaveVisionParityTests()
    {
        _tower = VisionTower.Load(_golden.Directory);
        _projector = LlavaMultiModalProjector.Load(_golden.Directory);
    }

    [Fact]
    public void Reads_feature_layer_minus_one_and_full()
    {
        Assert.IsType<SiglipVisionTransformer>(_tower.Transformer);
        Assert.Equal(new VisionFeatureSelection(-1, VisionFeatureSelectStrategy.Full), _tower.Selection);
        Assert.Equal(3, _tower.FeatureHiddenStateIndex);
        Assert.Equal(ScalarType.Float32, _tower.DType);
    }

    [Fact]
    public void Feature_layer_matches()
    {
        using var scope = NewDisposeScope();
        using var features = _tower.ZipFeatures(_golden["pixel_values"]);
        _golden.Close("vision.hidden_states_m1", features.HiddenStates);
        _golden.Close("vision.mean_received_attention_m1", features.Attention!);
        _golden.Close("vision.metric_m1", features.Metric!);
        _golden.Close("vision.scores_m1", features.Attention!.mean([1]));
    }

    [Fact]
    public void Vanilla_features_and_projection_match()
    {
        using var scope = NewDisposeScope();
        var vanilla = _tower.EncodeVanilla(_golden["pixel_values"]);
        _golden.Close("vanilla.image_features", vanilla);
        _golden.Close("vanilla.projected", _projector.call(vanilla));
    }

    [Fact]
    public void Zipped_and_projected_tokens_match()
    {
        using var scope = NewDisposeScope();
        using var zipped = _tower.ZipWith(_golden["pixel_values"], new ZipBudget(54, 10));
        _golden.Equal("zip.kept", zipped.KeptIndices);
        _golden.Equal("zip.targets", zipped.ContextualTargets);
        _golden.Equal("zip.assignment", zipped.Assignment);
        _golden.Close("zip.image_features", zipped.Tokens);
        _golden.Close("zip.projected", _projector.call(zipped.Tokens));
    }

    public void Dispose()
    {
        _projector.Dispose();
        _tower.Dispose();
        _golden.Dispose();
    }
}
