using VisionZip.Models.Vision;

namespace VisionZip.Tests.Generality;

/// <summary>
/// The random geometries no fixture covers, built once per test class: CLIP 224/16 (hidden 48, 3 heads, 3 layers,
/// LLaVA's -2 'default'), CLIP 100/14 (a 2-pixel remainder, head_dim 8, exact GELU, layer 1 'full'), SigLIP 64/14
/// (4x4 patches and an 8-pixel remainder, hidden 40, 5 heads, llava-interleave's -1 'full') and the same SigLIP at -2.
/// </summary>
public sealed class RandomTowers : IDisposable
{
    private readonly ScratchDirectory _scratch = new();
    private readonly Dictionary<string, RandomTower> _towers = new(StringComparer.Ordinal);

    public RandomTowers()
    {
        var clip224 = VisionConfig.ClipDefaults with
        {
            ImageSize = 224, PatchSize = 16, HiddenSize = 48, NumAttentionHeads = 3, NumHiddenLayers = 3, IntermediateSize = 96,
        };
        var clip100 = VisionConfig.ClipDefaults with
        {
            ImageSize = 100, PatchSize = 14, HiddenSize = 32, NumAttentionHeads = 4, NumHiddenLayers = 2, IntermediateSize = 80,
            HiddenAct = VisionActivation.Gelu,
        };
        var siglip64 = VisionConfig.SiglipDefaults with
        {
            ImageSize = 64, PatchSize = 14, HiddenSize = 40, NumAttentionHeads = 5, NumHiddenLayers = 3, IntermediateSize = 72,
        };
        Add("clip-224-16", clip224, VisionFeatureSelection.LlavaDefault, seed: 101);
        Add("clip-100-14", clip100, new VisionFeatureSelection(1, VisionFeatureSelectStrategy.Full), seed: 202);
        Add("siglip-64-14", siglip64, new VisionFeatureSelection(-1, VisionFeatureSelectStrategy.Full), seed: 303);
        Add("siglip-64-14-m2", siglip64, VisionFeatureSelection.LlavaDefault, seed: 404);
    }

    internal RandomTower this[string name] => _towers[name];

    public void Dispose()
    {
        foreach (var tower in _towers.Values)
        {
            tower.Dispose();
        }

        _scratch.Dispose();
    }

    private void Add(string name, VisionConfig config, VisionFeatureSelection selection, long seed) =>
        _towers.Add(name, new RandomTower(name, config, selection, _scratch.Sub(name), seed));
}
