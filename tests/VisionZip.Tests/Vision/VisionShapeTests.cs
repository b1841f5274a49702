using VisionZip.Models.Vision;
using static TorchSharp.torch;

namespace VisionZip.Tests.Vision;

/// <summary>Real geometries built on the meta device (no memory, no values; this libtorch cannot run conv2d there): names, shapes, sizes.</summary>
public sealed class VisionShapeTests
{
    public VisionShapeTests()
    {
        VisionZip.Runtime.TorchRuntime.EnsureLoaded(); // before the first torch call below (META)
    }

    [Fact]
    public void Clip_large_336_has_the_published_parameter_count_and_hf_shapes()
    {
        using var tower = VisionTower.CreateRandom(VisionConfig.ClipVitLarge336, device: META);
        var parameters = tower.Transformer.named_parameters().ToDictionary(p => p.name, p => p.parameter.shape);
        Assert.Equal(3 + 2 + 24 * 16 + 2, parameters.Count); // embeddings, pre_layrnorm, layers, post_layernorm
        Assert.Equal(303_507_456L, parameters.Values.Sum(shape => shape.Aggregate(1L, (a, b) => a * b)));
        Assert.Equal([1024L, 3, 14, 14], parameters["embeddings.patch_embedding.weight"]);
        Assert.Equal([577L, 1024], parameters["embeddings.position_embedding.weight"]);
        Assert.Equal([1024L], parameters["pre_layrnorm.weight"]);
        Assert.Equal([4096L, 1024], parameters["encoder.layers.23.mlp.fc1.weight"]);
        Assert.False(parameters.ContainsKey("embeddings.patch_embedding.bias"));
    }

    [Fact]
    public void Siglip_so400m_384_has_hf_shapes()
    {
        var so400m = VisionConfig.SiglipDefaults with
        {
            HiddenSize = 1152, IntermediateSize = 4304, NumHiddenLayers = 27, NumAttentionHeads = 16, ImageSize = 384, PatchSize = 14,
        };
        using var tower = VisionTower.CreateRandom(so400m, device: META);
        var parameters = tower.Transformer.named_parameters().ToDictionary(p => p.name, p => p.parameter.shape);
        Assert.Equal([1152L], parameters["embeddings.patch_embedding.bias"]);
        Assert.Equal([729L, 1152], parameters["embeddings.position_embedding.weight"]);
        Assert.False(parameters.ContainsKey("pre_layrnorm.weight"));
        Assert.Equal(2 + 1 + 27 * 16 + 2, parameters.Count);
    }
}
