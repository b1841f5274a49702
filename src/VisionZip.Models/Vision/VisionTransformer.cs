using TorchSharp;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace VisionZip.Models.Vision;

/// <summary>
/// A CLIP or SigLIP vision transformer (transformers <c>CLIPVisionTransformer</c> / <c>SiglipVisionTransformer</c>, the
/// <c>vision_model</c> part of a checkpoint): embeddings, encoder layers and an optional <c>post_layernorm</c>.
/// Parameter names equal the Hugging Face keys below <c>vision_model.</c>.
/// </summary>
/// <remarks>
/// Layer indices follow transformers' <c>hidden_states</c> (length L + 1): 0 = embeddings, k = output of
/// <c>layers[k-1]</c>, negative = from the end. Forwards run no layer beyond the one asked for, never materialise a
/// whole attention map (<see cref="EncoderSelfAttention"/>) and run under <c>no_grad</c>; they hold no state and may run
/// concurrently.
/// Dispose to free the weights.
/// </remarks>
public abstract class VisionTransformer : nn.Module
{
    [ComponentName(Name = "encoder")]
    private readonly VisionEncoder _encoder;

    // post_layernorm: weight [D], bias [D]. Never on the LLaVA / VisionZip path; optional so truncated exports load.
    [ComponentName(Name = "post_layernorm")]
    private readonly VisionLayerNorm? _postLayerNorm;

    private protected VisionTransformer(string name, WeightScope weights, VisionConfig config) : base(name)
    {
        Config = config;
        DType = weights.Store.DType;
        Device = weights.Store.Device;
        _encoder = new VisionEncoder(weights["encoder"], config);
        _postLayerNorm = weights["post_layernorm"].Has("weight")
            ? new VisionLayerNorm(weights["post_layernorm"], config.HiddenSize, config.LayerNormEps)
            : null;
    }

    /// <summary>The geometry this transformer was built with.</summary>
    public VisionConfig Config { get; }

    /// <summary>Element type of the weights (and of hidden states).</summary>
    public ScalarType DType { get; }

    /// <summary>Device of the weights.</summary>
    public Device Device { get; }

    /// <summary>The encoder layers.</summary>
    public VisionEncoder Encoder => _encoder;

    /// <summary>True when the checkpoint held <c>post_layernorm</c>.</summary>
    public bool HasPostLayerNorm => _postLayerNorm is not null;

    /// <summary>
    /// Maps a transformers <c>hidden_states</c> index (negative from the end) to 0..L.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Outside <c>[-(L+1), L]</c>.</exception>
    public int ResolveHiddenStateIndex(int layer) =>
        new VisionFeatureSelection(layer, VisionFeatureSelectStrategy.Full).ResolveHiddenStateIndex(Config.NumHiddenLayers);

    /// <summary>
    /// <c>hidden_states[layer]</c> [B, N, D]: runs the embeddings and layers <c>0 .. index-1</c> only.
    /// </summary>
    /// <param name="pixelValues">[B, C, S, S] with S = <c>image_size</c>; converted to the model dtype and device.</param>
    /// <param name="layer">Index into <c>hidden_states</c>, negative from the end (-2 = LLaVA-1.5's feature layer).</param>
    /// <exception cref="ArgumentException">The pixels are not [B, C, S, S].</exception>
    /// <exception cref="ArgumentOutOfRangeException">The layer does not exist.</exception>
    public Tensor ForwardHiddenState(Tensor pixelValues, int layer)
    {
        int index = ResolveHiddenStateIndex(layer);
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var hidden = Embed(pixelValues);
        for (int i = 0; i < index; i++)
        {
            hidden = Step(i, hidden);
        }

        return hidden.MoveToOuterDisposeScope();
    }

    /// <summary>Every <c>hidden_states</c> entry, [B, N, D] each, L + 1 of them (runs every layer; for parity checks).</summary>
    /// <exception cref="ArgumentException">The pixels are not [B, C, S, S].</exception>
    public IReadOnlyList<Tensor> ForwardHiddenStates(Tensor pixelValues)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var states = new List<Tensor> { Embed(pixelValues) };
        foreach (var layer in _encoder.Layers)
        {
            states.Add(layer.call(states[^1]));
        }

        return states.Select(s => s.MoveToOuterDisposeScope()).ToList();
    }

    /// <summary>
    /// Runs up to and including the feature layer (<c>layers[index - 1]</c> for <c>hidden_states[index]</c>) and returns
    /// its output together with the statistics asked for, computed without a [B, H, N, N] map (CLS query row only, or
    /// the mean received attention in query chunks; see <see cref="FeatureStatistics"/>).
    /// </summary>
    /// <param name="pixelValues">[B, C, S, S]; converted to the model dtype and device.</param>
    /// <param name="layer">Index into <c>hidden_states</c>, negative from the end; must name a layer output, not the embeddings.</param>
    /// <param name="statistics">The statistics to compute; <see cref="FeatureStatistics.ClsAttention"/> needs a CLS token and
    /// excludes <see cref="FeatureStatistics.MeanReceivedAttention"/>.</param>
    /// <exception cref="ArgumentException">The pixels are not [B, C, S, S], or the statistics cannot be computed for this tower.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The layer does not exist or is the embeddings (index 0).</exception>
    public FeatureLayer ForwardFeatureLayer(Tensor pixelValues, int layer, FeatureStatistics statistics)
    {
        int index = ResolveHiddenStateIndex(layer);
        if (index == 0)
        {
            throw new ArgumentOutOfRangeException(nameof(layer), layer,
                "hidden_states[0] is the embeddings, which have no attention; VisionZip needs the output of an encoder layer");
        }

        CheckStatistics(statistics);
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var hidden = Embed(pixelValues);
        for (int i = 0; i < index - 1; i++)
        {
            hidden = Step(i, hidden);
        }

        var (output, attention, metric) = _encoder.Layers[index - 1].ForwardWithStatistics(hidden, statistics);
        return new FeatureLayer(output, attention, metric, Config.HasCls);
    }

    /// <summary><c>post_layernorm</c> of <paramref name="hiddenStates"/> [..., D] (used by poolers, never by LLaVA).</summary>
    /// <exception cref="InvalidOperationException">The checkpoint held no <c>post_layernorm</c>.</exception>
    public Tensor ApplyPostLayerNorm(Tensor hiddenStates)
    {
        if (_postLayerNorm is null)
        {
            throw new InvalidOperationException("this vision transformer was loaded without post_layernorm weights");
        }

        using var noGrad = no_grad();
        return _postLayerNorm.call(hiddenStates);
    }

    /// <summary><c>hidden_states[0]</c> [B, N, D] from pixels already checked and converted.</summary>
    private protected abstract Tensor EmbedCore(Tensor pixelValues);

    private Tensor Embed(Tensor pixelValues)
    {
        long size = Config.ImageSize;
        if (pixelValues.dim() != 4 || pixelValues.shape[1] != Config.NumChannels || pixelValues.shape[2] != size || pixelValues.shape[3] != size)
        {
            throw new ArgumentException(
                $"pixel values have shape [{string.Join(", ", pixelValues.shape)}], expected [batch, {Config.NumChannels}, {size}, {size}]",
                nameof(pixelValues));
        }

        return EmbedCore(pixelValues.to(DType, Device));
    }

    private void CheckStatistics(FeatureStatistics statistics)
    {
        if (statistics.HasFlag(FeatureStatistics.ClsAttention) && !Config.HasCls)
        {
            throw new ArgumentException(
                $"{Config.Architecture} has no CLS token, so it has no CLS attention row; ask for MeanReceivedAttention", nameof(statistics));
        }

        if (statistics.HasFlag(FeatureStatistics.ClsAttention) && statistics.HasFlag(FeatureStatistics.MeanReceivedAttention))
        {
            throw new ArgumentException("ask for one attention statistic: ClsAttention or MeanReceivedAttention, not both", nameof(statistics));
        }
    }

    // One layer, freeing its input as soon as the output exists (peak memory: two hidden-state tensors).
    private Tensor Step(int layer, Tensor hidden)
    {
        var next = _encoder.Layers[layer].call(hidden);
        hidden.Dispose();
        return next;
    }
}
