using VisionZip.Models.Vision;
using static TorchSharp.torch;

namespace VisionZip.Models.Llava;

/// <summary>
/// The one tile-encoding path of every LLaVA layout: pixels [n, 3, S, S] -> vision tower to the feature layer (only the
/// statistics the reducer reads) -> reducer, or the vanilla feature selection -> projector. Each tile is reduced on its own.
/// </summary>
/// <remarks>Holds no state of its own; the tower and projector belong to the model. Results are in the caller's dispose scope.</remarks>
internal sealed class TileEncoder(VisionTower tower, LlavaMultiModalProjector? projector, ScalarType textType, Device device)
{
    private readonly Dictionary<(string Reducer, ZipBudget Budget), LlavaMultiModalProjector> _tuned = [];

    /// <summary>The vision tower.</summary>
    public VisionTower Tower { get; } = tower;

    /// <summary>Tiles' tokens after the projector are in this dtype on this device (the language model's).</summary>
    public ScalarType TextType { get; } = textType;

    /// <summary>The language model's device.</summary>
    public Device Device { get; } = device;

    /// <summary>Projector adapters in use, keyed by the reducer and budget they were tuned for.</summary>
    public IReadOnlyDictionary<(string Reducer, ZipBudget Budget), LlavaMultiModalProjector> TunedProjectors => _tuned;

    /// <summary>Uses <paramref name="tuned"/> instead of the checkpoint's projector for tiles reduced by that reducer and budget.</summary>
    public void AddTunedProjector(string reducer, ZipBudget budget, LlavaMultiModalProjector tuned)
    {
        if (_tuned.Remove((reducer, budget), out var previous))
        {
            previous.Dispose();
        }

        _tuned[(reducer, budget)] = tuned;
    }

    /// <summary>Frees the tuned projectors.</summary>
    public void DisposeTuned()
    {
        foreach (var tuned in _tuned.Values)
        {
            tuned.Dispose();
        }

        _tuned.Clear();
    }

    /// <summary>Tokens per tile after reduction (vanilla: the feature selection's count); checks the reducer first.</summary>
    /// <exception cref="ArgumentException">The reducer does not fit the tower's tokens.</exception>
    public int TokensPerTile(IVisualTokenReducer? reducer) =>
        reducer?.OutputTokenCount(Tower.FeatureTokenCount, Tower.HasCls) ?? Tower.VanillaTokenCount;

    /// <summary>Encodes <paramref name="pixels"/> [n, 3, S, S] tile by tile (as one batch).</summary>
    /// <param name="pixels">Preprocessed tiles, any dtype/device.</param>
    /// <param name="reducer">The reduction; null = vanilla.</param>
    /// <param name="clock">Laps: encoder, reduction, projector.</param>
    public TileEncoding Encode(Tensor pixels, IVisualTokenReducer? reducer, DeviceClock clock)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var input = pixels.to(Tower.DType, Tower.Device);
        clock.Lap();
        Tensor features;                                                                   // [n, T, Dv]
        TokenReduction? reduction = null;
        TimeSpan vision = TimeSpan.Zero, reduce = TimeSpan.Zero;
        if (reducer is null)
        {
            features = Tower.EncodeVanilla(input);
            vision = clock.Lap();
        }
        else
        {
            reduction = Tower.EncodeReduced(input, reducer, stage =>
            {
                if (stage == VisionStage.Encoder)
                {
                    vision = clock.Lap();
                }
            });
            reduce = clock.Lap();
            features = reduction.Tokens;
        }

        var chosen = ProjectorFor(reducer);
        Tensor? projected = chosen is null ? null : chosen.call(features).to(TextType, Device);         // [n, T, D]
        var projectorTime = chosen is null ? TimeSpan.Zero : clock.Lap();
        // The reduction's tensors (its tokens are the features) leave the scope once, together.
        features = reduction is null ? features.MoveToOuterDisposeScope() : reduction.MoveToOuterDisposeScope().Tokens;
        return new TileEncoding(features, projected?.MoveToOuterDisposeScope(), reduction, vision, reduce, projectorTime);
    }

    // The projector tuned for this reducer and budget when one was added (VisionZip‡), else the checkpoint's.
    private LlavaMultiModalProjector? ProjectorFor(IVisualTokenReducer? reducer)
    {
        var budget = reducer switch
        {
            VisionZipReducer zip => zip.Budget,
            SpatialPoolReducer pool => new ZipBudget(pool.Tokens, 0),
            _ => (ZipBudget?)null,
        };
        return reducer is not null && budget is { } b && _tuned.TryGetValue((reducer.Name, b), out var tuned) ? tuned : projector;
    }
}

/// <summary>What <see cref="TileEncoder.Encode"/> returns (tensors in the caller's dispose scope).</summary>
/// <param name="Features">[n, T, Dv] tokens before the projector.</param>
/// <param name="Projected">[n, T, D] after the projector in the language model's dtype; null without a projector.</param>
/// <param name="Reduction">The reducer's record for the n tiles; null for vanilla.</param>
/// <param name="Vision">Encoder time.</param>
/// <param name="Reduce">Reduction time.</param>
/// <param name="Projector">Projector time.</param>
internal sealed record TileEncoding(Tensor Features, Tensor? Projected, TokenReduction? Reduction, TimeSpan Vision, TimeSpan Reduce, TimeSpan Projector);
