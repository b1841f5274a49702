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
