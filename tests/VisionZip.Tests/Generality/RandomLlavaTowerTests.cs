using VisionZip.Models.Vision;
using VisionZip.Tests.Support;
using static TorchSharp.torch;

namespace VisionZip.Tests.Generality;

/// <summary>
/// A random CLIP tower inside a llava-hf checkpoint of the newer spelling, with a feature layer and strategy other than
/// LLaVA-1.5's, and a projector of another width: the tower takes its selection from the config, the projector loads
/// by the newer prefix, and both agree with the float64 reference.
/// </summary>
public sealed class RandomLlavaTowerTests : IDisposable
{
    private const int TextHidden = 40;
    private readonly ScratchDirectory _scratch = new();
    private readonly Dictionary<string, Tensor> _projector = new(StringComparer.Ordinal);

    [Fact]
    public void Tower_takes_the_feature_layer_from_the_config_and_the_projector_matches()
    {
        var config = VisionConfig.ClipDefaults with
        {
            ImageSize = 60, PatchSize = 12, HiddenSize = 24, NumAttentionHeads = 2, NumHiddenLayers = 3, IntermediateSize = 40,
        };
        using var weights = new RandomVisionCheckpoint(config, seed: 505);
        using (var generator = new Generator(506))
        {
            Tensor Normal(double std, params long[] shape) =>
                randn(shape, ScalarType.Float32, generator: generator).mul_(std).to(ScalarType.Float64).DetachFromDisposeScope();
            _projector["linear_1.weight"] = Normal(0.2, TextHidden, config.HiddenSize);
            _projector["linear_1.bias"] = Normal(0.1, TextHidden);
            _projector["linear_2.weight"] = Normal(0.15, TextHidden, TextHidden);
            _projector["linear_2.bias"] = Normal(0.1, TextHidden);
        }

        string directory = weights.WriteLlava(_scratch.Sub("llava"), _projector, TextHidden, featureLayer: -3, strategy: "full");
        using var tower = VisionTower.Load(directory);
        using var projector = LlavaMultiModalProjector.Load(directory);
        Assert.Equal(new VisionFeatureSelection(-3, VisionFeatureSelectStrategy.Full), tower.Selection);
        Assert.Equal(1, tower.FeatureHiddenStateIndex);
        Assert.Equal("model.vision_tower.vision_model.", tower.WeightPrefix);
        Assert.Equal(26, tower.VanillaTokenCount); // 5x5 patches + CLS under 'full'
        Assert.Equal((config.HiddenSize, TextHidden), (projector.InputSize, projector.OutputSize));

        using var scope = NewDisposeScope();
        using var generatorPixels = new Generator(507);
        var pixels = randn([1, 3, 60, 60], generator: generatorPixels);
        var (states, layers) = ReferenceVisionEncoder.Run(weights, pixels);
        var vanilla = tower.EncodeVanilla(pixels);
        TensorAssert.Close(states[1], vanilla, "vanilla features of hidden_states[1]");
        TensorAssert.Close(ReferenceVisionEncoder.Project(_projector, states[1]), projector.call(vanilla), "projected vanilla features");

        var budget = new ZipBudget(6, 4);
        var statistic = layers[0].Statistic(hasCls: true);
        using var expected = VisionZipper.Zip(states[1].to(ScalarType.Float32), statistic.to(ScalarType.Float32),
            layers[0].Metric.to(ScalarType.Float32), budget, hasCls: true);
        Assert.True(ZipMargins.Dominant(statistic, budget.Dominant, hasCls: true) >= ZipMargins.Required, "dominant scores too close to a tie");
        Assert.True(ZipMargins.Assignment(layers[0].Metric, expected) >= ZipMargins.Required, "a merged token too close to two targets");
        using var actual = tower.ZipWith(pixels, budget);
        TensorAssert.Equal(expected.KeptIndices, actual.KeptIndices, "kept");
        TensorAssert.Equal(expected.Assignment, actual.Assignment, "assignment");
        TensorAssert.Close(expected.Tokens, actual.Tokens, "zipped tokens");
        TensorAssert.Close(ReferenceVisionEncoder.Project(_projector, expected.Tokens), projector.call(actual.Tokens), "projected zipped tokens");
    }

    public void Dispose()
    {
        foreach (var tensor in _projector.Values)
        {
            tensor.Dispose();
        }

        _scratch.Dispose();
    }
}
