using VisionZip.Models.Vision;
using VisionZip.Tests.Support;
using static TorchSharp.torch;

namespace VisionZip.Tests.Generality;

/// <summary>
/// Vision towers at geometries no golden covers, loaded from disk, against a float64 encoder written in the test:
/// hidden states, vanilla token counts, the feature layer's statistics, and VisionZip on independently recomputed
/// inputs for ordinary and edge budgets.
/// </summary>
public sealed class VisionGeometryTests(RandomTowers towers) : IClassFixture<RandomTowers>
{
    [Theory]
    [InlineData("clip-224-16")]
    [InlineData("clip-100-14")]
    [InlineData("siglip-64-14")]
    public void Hidden_states_match_the_float64_reference(string name)
    {
        var random = towers[name];
        using var scope = NewDisposeScope();
        var states = random.Tower.Transformer.ForwardHiddenStates(random.Pixels);
        Assert.Equal(random.Config.NumHiddenLayers + 1, states.Count);
        for (int i = 0; i < states.Count; i++)
        {
            TensorAssert.Close(random.ReferenceStates[i], states[i], $"{name} hidden_states[{i}]");
        }
    }

    [Theory]
    [InlineData("clip-224-16", 196, 197)]   // (224/16)^2 patches, CLS dropped under 'default'
    [InlineData("clip-100-14", 49, 50)]     // 7x7 patches (2 pixels ignored), 'full' keeps CLS
    [InlineData("siglip-64-14", 16, 16)]    // 4x4 patches (8 pixels ignored), no CLS
    [InlineData("siglip-64-14-m2", 16, 16)] // 'default' on a tower without CLS keeps every token
    public void Vanilla_features_have_the_patch_grid_token_count(string name, int patches, int positions)
    {
        var random = towers[name];
        Assert.Equal(patches, random.Config.NumPatches);
        Assert.Equal(positions, random.Config.NumPositions);
        using var scope = NewDisposeScope();
        var vanilla = random.Tower.EncodeVanilla(random.Pixels);
        Assert.Equal(random.Tower.VanillaTokenCount, vanilla.shape[1]);
        bool dropsCls = random.Config.HasCls && random.Tower.Selection.Strategy == VisionFeatureSelectStrategy.Default;
        var expected = dropsCls ? random.ReferenceFeature.narrow(1, 1, patches) : random.ReferenceFeature;
        TensorAssert.Close(expected, vanilla, $"{name} vanilla features");
        // The list overload encodes the same batch.
        var fromList = random.Tower.EncodeVanilla([random.Pixels[0], random.Pixels[1]]);
        BitExact.Equal(vanilla, fromList, $"{name} vanilla from a list of images");
    }

    [Theory]
    [InlineData("clip-224-16", 2)]
    [InlineData("clip-100-14", 1)]
    [InlineData("siglip-64-14", 3)]
    [InlineData("siglip-64-14-m2", 2)]
    public void Feature_layer_statistics_match_an_explicit_softmax(string name, int hiddenStateIndex)
    {
        var random = towers[name];
        Assert.Equal(hiddenStateIndex, random.Tower.FeatureHiddenStateIndex);
        using var features = random.Tower.ZipFeatures(random.Pixels);
        Assert.Equal(hiddenStateIndex, random.Tower.FeatureHiddenStateIndex);
        TensorAssert.Close(random.ReferenceFeature, features.HiddenStates, $"{name} feature layer output");
        TensorAssert.Close(random.ReferenceStatistic, features.Attention!, $"{name} attention statistic");
        TensorAssert.Close(random.ReferenceMetric, features.Metric!, $"{name} metric");
    }

    [Theory]
    [InlineData("clip-224-16", 54, 10)]
    [InlineData("clip-224-16", 2, 0)]     // CLS plus one patch
    [InlineData("clip-224-16", 2, 1)]     // everything else merged into one token
    [InlineData("clip-224-16", 2, 195)]   // contextual = remaining: step 1, nothing merged
    [InlineData("clip-224-16", 150, 7)]   // step 47 / 7 = 6
    [InlineData("clip-224-16", 190, 7)]   // contextual = remaining
    [InlineData("clip-224-16", 197, 0)]   // every token
    [InlineData("clip-100-14", 10, 5)]
    [InlineData("clip-100-14", 49, 1)]
    [InlineData("siglip-64-14", 1, 1)]
    [InlineData("siglip-64-14", 1, 15)]
    [InlineData("siglip-64-14", 4, 3)]
    [InlineData("siglip-64-14", 8, 8)]
    [InlineData("siglip-64-14", 15, 1)]
    [InlineData("siglip-64-14", 16, 0)]
    [InlineData("siglip-64-14-m2", 5, 2)]
    public void Zipped_tokens_equal_Zip_of_the_recomputed_inputs(string name, int dominant, int contextual)
    {
        var random = towers[name];
        var budget = new ZipBudget(dominant, contextual);
        bool hasCls = random.Config.HasCls;
        using var scope = NewDisposeScope();
        using var expected = VisionZipper.Zip(random.ReferenceFeature.to(ScalarType.Float32),
            random.ReferenceStatistic.to(ScalarType.Float32), random.ReferenceMetric.to(ScalarType.Float32), budget, hasCls);
        Assert.True(ZipMargins.Dominant(random.ReferenceStatistic, dominant, hasCls) >= ZipMargins.Required,
            $"{name} {budget}: the dominant scores are too close to a tie for an exact comparison; pick another seed");
        Assert.True(ZipMargins.Assignment(random.ReferenceMetric, expected) >= ZipMargins.Required,
            $"{name} {budget}: a merged token is too close to two targets for an exact comparison; pick another seed");

        using var actual = random.Tower.ZipWith(random.Pixels, budget);
        Assert.Equal([2L, budget.Total, random.Config.HiddenSize], actual.Tokens.shape);
        TensorAssert.Equal(expected.KeptIndices, actual.KeptIndices, $"{name} {budget} kept");
        TensorAssert.Equal(expected.ContextualTargets, actual.ContextualTargets, $"{name} {budget} targets");
        TensorAssert.Equal(expected.Assignment, actual.Assignment, $"{name} {budget} assignment");
        TensorAssert.Close(expected.Tokens, actual.Tokens, $"{name} {budget} tokens");
        if (hasCls)
        {
            Assert.True(actual.KeptIndices.select(1, 0).eq(0).all().item<bool>(), $"{name} {budget}: CLS is not kept first");
        }

        // The full [B, H, N, N] map gives the same decisions as the statistic.
        using var fromFullMap = VisionZipper.Zip(random.ReferenceFeature.to(ScalarType.Float32),
            random.ReferenceProbabilities.to(ScalarType.Float32), random.ReferenceMetric.to(ScalarType.Float32), budget, hasCls);
        TensorAssert.Equal(expected.KeptIndices, fromFullMap.KeptIndices, $"{name} {budget} kept from the full map");
        TensorAssert.Equal(expected.Assignment, fromFullMap.Assignment, $"{name} {budget} assignment from the full map");
    }

    [Theory]
    [InlineData("clip-224-16", 1, 0)]    // CLS alone is not a budget
    [InlineData("clip-224-16", 198, 0)]  // more than N
    [InlineData("clip-224-16", 100, 98)] // contextual > remaining 97
    [InlineData("siglip-64-14", 17, 0)]
    [InlineData("siglip-64-14", 10, 7)]
    [InlineData("siglip-64-14", 0, 4)]
    public void Budgets_that_do_not_fit_are_rejected(string name, int dominant, int contextual)
    {
        var random = towers[name];
        var error = Assert.Throws<ArgumentException>(() => random.Tower.ZipWith(random.Pixels, new ZipBudget(dominant, contextual)));
        Assert.Contains("budget", error.Message, StringComparison.Ordinal);
    }
}
