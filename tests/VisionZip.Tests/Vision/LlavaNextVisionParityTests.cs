using VisionZip.Models.Vision;
using static TorchSharp.torch;
using VisionZip.Tests.Support;

namespace VisionZip.Tests.Vision;

/// <summary>llava-next-tiny-patch14-112-hf (F16, sharded): base image and crops encoded as one batch, zipped per image.</summary>
public sealed class LlavaNextVisionParityTests : IDisposable
{
    private readonly Golden _golden = new("llava-next-tiny-patch14-112-hf");
    private readonly VisionTower _tower;

    public LlavaNextVisionParityTests()
    {
        _tower = VisionTower.Load(_golden.Directory);
    }

    private Tensor Images() => _golden["pixel_values"].flatten(0, 1); // [1, 4, 3, S, S] -> [4, 3, S, S]

    [Fact]
    public void Float16_weights_load_as_float32_and_match()
    {
        using var scope = NewDisposeScope();
        Assert.Equal(ScalarType.Float32, _tower.DType);
        using var features = _tower.ZipFeatures(Images());
        _golden.Close("vision.hidden_states_m2", features.HiddenStates);
        _golden.Close("vision.cls_attention_m2", features.Attention!);
        _golden.Close("vision.metric_m2", features.Metric!);
    }

    [Fact]
    public void Every_image_is_zipped_on_its_own()
    {
        using var scope = NewDisposeScope();
        using var zipped = _tower.ZipWith(Images(), new ZipBudget(14, 4));
        _golden.Equal("zip.kept", zipped.KeptIndices);
        _golden.Equal("zip.targets", zipped.ContextualTargets);
        _golden.Equal("zip.assignment", zipped.Assignment);
        _golden.Close("zip.tokens", zipped.Tokens);
    }

    [Fact]
    public void Bfloat16_compute_stays_near_float32()
    {
        using var scope = NewDisposeScope();
        using var half = VisionTower.Load(_golden.Directory, ScalarType.BFloat16);
        Assert.Equal(ScalarType.BFloat16, half.DType);
        var reference = _tower.EncodeVanilla(Images());
        var lowPrecision = half.EncodeVanilla(Images());
        Assert.Equal(ScalarType.BFloat16, lowPrecision.dtype);
        double error = (lowPrecision.to(ScalarType.Float32) - reference).abs().max().item<float>();
        double scale = reference.abs().max().item<float>();
        Assert.True(error < 0.05 * scale, $"bfloat16 max error {error} vs scale {scale}");
        using var zipped = half.ZipWith(Images(), new ZipBudget(14, 4));
        Assert.Equal(ScalarType.BFloat16, zipped.Tokens.dtype);
        Assert.Equal([4L, 18, 64], zipped.Tokens.shape);
    }

    public void Dispose()
    {
        _tower.Dispose();
        _golden.Dispose();
    }
}
