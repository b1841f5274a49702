using VisionZip.Models.Vision;
using static TorchSharp.torch;
using VisionZip.Tests.Support;

namespace VisionZip.Tests.Vision;

/// <summary>
/// What the parity tests of an encoder fixture's <see cref="VisionTower"/> (CLIP, SigLIP) share: the tower loaded from
/// the fixture folder, its golden file, every hidden state, and the VisionZip cases.
/// </summary>
public abstract class TowerParityTests : IDisposable
{
    /// <summary>Loads the tower of <paramref name="fixture"/> and opens its golden file.</summary>
    protected TowerParityTests(string fixture)
    {
        Golden = new Golden(fixture);
        Tower = VisionTower.Load(Golden.Directory);
    }

    internal Golden Golden { get; }

    /// <summary>The tower under test.</summary>
    protected VisionTower Tower { get; }

    /// <summary>Checks the <paramref name="count"/> hidden states of pixel_values against hidden_states.i and returns them.</summary>
    protected IReadOnlyList<Tensor> AssertEveryHiddenStateMatches(int count)
    {
        var states = Tower.Transformer.ForwardHiddenStates(Golden["pixel_values"]);
        Assert.Equal(count, states.Count);
        for (int i = 0; i < states.Count; i++)
        {
            Golden.Close($"hidden_states.{i}", states[i]);
        }

        return states;
    }

    /// <summary>Zips pixel_values with the budget and checks kept, targets, assignment and tokens of zip.{dominant}_{contextual}.</summary>
    protected void AssertZipMatches(int dominant, int contextual)
    {
        using var scope = NewDisposeScope();
        using var zipped = Tower.ZipWith(Golden["pixel_values"], new ZipBudget(dominant, contextual));
        string name = $"zip.{dominant}_{contextual}";
        Golden.Equal($"{name}.kept", zipped.KeptIndices);
        Golden.Equal($"{name}.targets", zipped.ContextualTargets);
        Golden.Equal($"{name}.assignment", zipped.Assignment);
        Golden.Close($"{name}.tokens", zipped.Tokens);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        Tower.Dispose();
        Golden.Dispose();
        GC.SuppressFinalize(this);
    }
}
