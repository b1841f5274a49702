using VisionZip.Models.Vision;
using static TorchSharp.torch;

namespace VisionZip.Tests.Generality;

/// <summary>One random-weight tower written to disk, loaded back through <see cref="VisionTower.Load"/>, and its float64 reference run.</summary>
internal sealed class RandomTower : IDisposable
{
    public RandomTower(string name, VisionConfig config, VisionFeatureSelection selection, string directory, long seed)
    {
        Name = name;
        Checkpoint = new RandomVisionCheckpoint(config, seed);
        Tower = VisionTower.Load(Checkpoint.WriteStandalone(directory), selection: selection);
        using var generator = new Generator((ulong)(seed + 1));
        Pixels = randn([2, config.NumChannels, config.ImageSize, config.ImageSize], generator: generator).DetachFromDisposeScope();
        using var scope = NewDisposeScope();
        var (states, layers) = ReferenceVisionEncoder.Run(Checkpoint, Pixels);
        int index = Tower.FeatureHiddenStateIndex;
        ReferenceStates = states.Select(s => s.DetachFromDisposeScope()).ToList();
        ReferenceProbabilities = layers[index - 1].Probabilities.DetachFromDisposeScope();
        ReferenceStatistic = layers[index - 1].Statistic(config.HasCls).DetachFromDisposeScope();
        ReferenceMetric = layers[index - 1].Metric.DetachFromDisposeScope();
    }

    public string Name { get; }

    public RandomVisionCheckpoint Checkpoint { get; }

    public VisionTower Tower { get; }

    public VisionConfig Config => Checkpoint.Config;

    /// <summary>[2, C, S, S] float32 pixels.</summary>
    public Tensor Pixels { get; }

    /// <summary>float64 hidden_states[0..L], [2, N, D] each.</summary>
    public IReadOnlyList<Tensor> ReferenceStates { get; }

    /// <summary>float64 [2, H, N, N] attention probabilities of the feature layer.</summary>
    public Tensor ReferenceProbabilities { get; }

    /// <summary>float64 [2, H, N] statistic of the feature layer (CLS row, or mean received).</summary>
    public Tensor ReferenceStatistic { get; }

    /// <summary>float64 [2, N, Dh] head-averaged keys of the feature layer.</summary>
    public Tensor ReferenceMetric { get; }

    /// <summary>float64 output of the feature layer, [2, N, D].</summary>
    public Tensor ReferenceFeature => ReferenceStates[Tower.FeatureHiddenStateIndex];

    public void Dispose()
    {
        Tower.Dispose();
        Checkpoint.Dispose();
        Pixels.Dispose();
        ReferenceStates.ToList().ForEach(s => s.Dispose());
        ReferenceProbabilities.Dispose();
        ReferenceStatistic.Dispose();
        ReferenceMetric.Dispose();
    }
}

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
