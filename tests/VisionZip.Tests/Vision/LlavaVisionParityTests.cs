using VisionZip.Models.Vision;
using static TorchSharp.torch;
using VisionZip.Tests.Support;

namespace VisionZip.Tests.Vision;

/// <summary>llava-1.5-tiny-hf (sharded, F32): the tower inside a llava-hf checkpoint, 'crop' and 'pad' inputs, projector.</summary>
public sealed class LlavaVisionParityTests : IDisposable
{
    private readonly Golden _golden = new("llava-1.5-tiny-hf");
    private readonly VisionTower _tower;
    private readonly LlavaMultiModalProjector _projector;

    public LlavaVisionParityTests()
    {
        _tower = VisionTower.Load(_golden.Directory);
        _projector = LlavaMultiModalProjector.Load(_golden.Directory);
    }

    [Fact]
    public void Reads_the_llava_settings_and_both_shards()
    {
        using var checkpoint = VisionZip.Models.IO.SafetensorsCheckpoint.Open(_golden.Directory);
        Assert.Equal(2, checkpoint.Files.Count);
        Assert.Equal("vision_tower.vision_model.", _tower.WeightPrefix);
        Assert.Equal(new VisionFeatureSelection(-2, VisionFeatureSelectStrategy.Default), _tower.Selection);
        Assert.Equal(new VisionFeatureSelection(-2, VisionFeatureSelectStrategy.Default), VisionFeatureSelection.Load(_golden.Directory));
        Assert.Equal(VisionActivation.QuickGelu, _tower.Config.HiddenAct); // CLIPVisionConfig default: absent from the config
        Assert.Equal((64, 96), (_projector.InputSize, _projector.OutputSize));
    }

    [Theory]
    [InlineData("crop")]
    [InlineData("pad")]
    public void Feature_layer_matches(string mode)
    {
        using var scope = NewDisposeScope();
        using var features = _tower.ZipFeatures(_golden[$"{mode}.pixel_values"]);
        _golden.Close($"{mode}.vision.hidden_states_m2", features.HiddenStates);
        _golden.Close($"{mode}.vision.cls_attention_m2", features.Attention!);
        _golden.Close($"{mode}.vision.metric_m2", features.Metric!);
        var vanilla = _tower.EncodeVanilla(_golden[$"{mode}.pixel_values"]);
        TorchSharp.torch.Tensor expected = _golden[$"{mode}.vision.hidden_states_m2"];
        Support.TensorAssert.Close(expected.narrow(1, 1, 576), vanilla, $"{mode} vanilla features");
    }

    [Theory]
    [InlineData("crop")]
    [InlineData("pad")]
    public void Zipped_and_projected_tokens_match(string mode)
    {
        using var scope = NewDisposeScope();
        using var zipped = _tower.ZipWith(_golden[$"{mode}.pixel_values"], new ZipBudget(54, 10));
        _golden.Equal($"{mode}.zip.kept", zipped.KeptIndices);
        _golden.Equal($"{mode}.zip.targets", zipped.ContextualTargets);
        _golden.Equal($"{mode}.zip.assignment", zipped.Assignment);
        _golden.Close($"{mode}.zip.image_features", zipped.Tokens);
        _golden.Close($"{mode}.zip.projected", _projector.call(zipped.Tokens));
    }

    public void Dispose()
    {
        _projector.Dispose();
        _tower.Dispose();
        _golden.Dispose();
    }
}
