using VisionZip.Models.Checkpoints;
using VisionZip.Models.IO;
using static TorchSharp.torch;

namespace VisionZip.Models.Vision;

/// <summary>
/// A CLIP or SigLIP vision tower with the LLaVA feature selection: loads from a Hugging Face directory and encodes a
/// batch of images either to vanilla LLaVA features or to VisionZip tokens.
/// </summary>
/// <remarks>
/// <para>Only the layers up to the feature layer run (for LLaVA-1.5's -2 the last layer never does). The feature
/// layer's statistics come from <see cref="VisionTransformer.ForwardFeatureLayer"/>: CLIP computes only the CLS query
/// row of that layer's attention; SigLIP accumulates the mean received attention over chunks of queries.</para>
/// <para>Every image of a batch is encoded and zipped on its own (row b of each result belongs to image b), so a list
/// of images or video frames is one call. Encode methods hold no state and may run concurrently; dispose once.</para>
/// </remarks>
public sealed class VisionTower : IDisposable
{
    /// <summary>
    /// Where the tower's <c>vision_model</c> sits in the checkpoints understood, tried in order: a CLIP/SigLIP checkpoint
    /// (standalone or dual encoder), llava-hf, newer llava-hf, an original LLaVA release with an unfrozen tower.
    /// </summary>
    public static IReadOnlyList<string> WeightPrefixes { get; } =
    [
        "vision_model.",
        "vision_tower.vision_model.",
        "model.vision_tower.vision_model.",
        "model.vision_tower.vision_tower.vision_model.",
    ];

    private VisionTower(VisionTransformer transformer, VisionFeatureSelection selection, string? source, string? weightPrefix)
    {
        Transformer = transformer;
        Selection = selection;
        FeatureHiddenStateIndex = transformer.ResolveHiddenStateIndex(selection.Layer);
        Source = source;
        WeightPrefix = weightPrefix;
    }

    /// <summary>The transformer module (weights, parameter names, per-layer forwards).</summary>
    public VisionTransformer Transformer { get; }

    /// <summary>The tower's geometry.</summary>
    public VisionConfig Config => Transformer.Config;

    /// <summary>Feature layer and token selection (from the LLaVA config, the caller, or LLaVA-1.5's -2 / default).</summary>
    public VisionFeatureSelection Selection { get; }

    /// <summary><see cref="Selection"/>'s layer as an index into <c>hidden_states</c> (1..L).</summary>
    public int FeatureHiddenStateIndex { get; }

    /// <summary>True when token 0 is CLS (CLIP).</summary>
    public bool HasCls => Config.HasCls;

    /// <summary>Element type of the weights and of every hidden state.</summary>
    public ScalarType DType => Transformer.DType;

    /// <summary>Device of the weights and of every result.</summary>
    public Device Device => Transformer.Device;

    /// <summary>The directory the tower was loaded from; null for random weights.</summary>
    public string? Source { get; }

    /// <summary>The prefix of the tower's weights in the checkpoint (one of <see cref="WeightPrefixes"/>); null for random weights.</summary>
    public string? WeightPrefix { get; }

    /// <summary>Number of tokens per image at the feature layer, CLS included (what a reducer reduces).</summary>
    public int FeatureTokenCount => Config.NumPositions;

    /// <summary>Number of tokens <see cref="EncodeVanilla(Tensor)"/> returns per image.</summary>
    public int VanillaTokenCount =>
        Selection.Strategy == VisionFeatureSelectStrategy.Default && HasCls ? Config.NumPatches : Config.NumPositions;

    /// <summary>
    /// Loads a tower from a Hugging Face directory: <c>config.json</c> plus <c>model.safetensors</c> or shards with
    /// <c>model.safetensors.index.json</c>, stored as F32, F16 or BF16.
    /// </summary>
    /// <remarks>
    /// Accepts a CLIP / SigLIP vision checkpoint, a full <c>CLIPModel</c> / <c>SiglipModel</c> (the text tower is not read),
    /// and a llava-hf checkpoint (<c>vision_tower.vision_model.</c> or <c>model.vision_tower.vision_model.</c>). Tensors are
    /// copied one at a time from the memory-mapped files straight to native memory, converted and moved. The SigLIP
    /// <c>head</c> and CLIP's <c>position_ids</c> buffer are not read; <c>post_layernorm</c> is read when present.
    /// </remarks>
    /// <param name="directory">The checkpoint directory.</param>
    /// <param name="dtype">Element type of the weights and of the computation (a floating-point type).</param>
    /// <param name="device">Device of the weights; null = CPU.</param>
    /// <param name="selection">Feature layer and strategy; null = the LLaVA config's, else layer -2 with <c>default</c>.</param>
    /// <exception cref="FileNotFoundException">No config or no weights in the directory.</exception>
    /// <exception cref="InvalidDataException">
    /// The config is invalid, or weights are missing or wrongly shaped: one exception names the directory and lists
    /// every such weight with its expected and actual shape.
    /// </exception>
    /// <exception cref="ArgumentException">The dtype is not floating point, or the selection names no layer of this tower.</exception>
    public static VisionTower Load(string directory, ScalarType dtype = ScalarType.Float32, Device? device = null,
        VisionFeatureSelection? selection = null)
    {
        ArgumentNullException.ThrowIfNull(directory);
        CheckDType(dtype);
        using var checkpointDirectory = CheckpointDirectory.OpenForLoader(directory, "vision tower");
        return Load(checkpointDirectory, dtype, device, selection);
    }

    /// <summary>
    /// Loads the tower from an opened checkpoint directory (its <c>config.json</c> and weights are shared with the other
    /// part loaders of the same load); otherwise as <see cref="Load(string, ScalarType, Device?, VisionFeatureSelection?)"/>.
    /// </summary>
    /// <param name="directory">The opened checkpoint directory.</param>
    /// <param name="dtype">Element type of the weights and of the computation (a floating-point type).</param>
    /// <param name="device">Device of the weights; null = CPU.</param>
    /// <param name="selection">Feature layer and strategy; null = the LLaVA config's, else layer -2 with <c>default</c>.</param>
    /// <exception cref="FileNotFoundException">No config or no weights in the directory.</exception>
    /// <exception cref="InvalidDataException">The config is invalid, or weights are missing or wrongly shaped (all listed).</exception>
    /// <exception cref="ArgumentException">The dtype is not floating point, or the selection names no layer of this tower.</exception>
    public static VisionTower Load(CheckpointDirectory directory, ScalarType dtype = ScalarType.Float32, Device? device = null,
        VisionFeatureSelection? selection = null)
    {
        ArgumentNullException.ThrowIfNull(directory);
        CheckDType(dtype);
        var configFile = VisionConfigReader.Read(directory);
        var config = configFile.RequireVision();
        var chosen = selection ?? configFile.Selection ?? VisionFeatureSelection.LlavaDefault;
        CheckSelection(chosen, config);

        var checkpoint = directory.Weights; // owned by the directory, open for the whole load
        string prefix = FindPrefix(checkpoint);
        string what = $"{config.Architecture} vision tower ({config.NumHiddenLayers} layers, hidden {config.HiddenSize})";
        using var store = new CheckpointWeightStore(checkpoint, prefix, what, dtype, device ?? CPU);
        var transformer = Build(store, config);
        try
        {
            store.ThrowIfProblems();
        }
        catch
        {
            transformer.Dispose();
            throw;
        }

        return new VisionTower(transformer, chosen, checkpoint.Source, prefix);
    }

    /// <summary>
    /// Builds a tower with random weights (Normal(0, 0.02) matrices, zero biases, unit LayerNorm scales): for benchmarks
    /// and tests at real geometries without a checkpoint.
    /// </summary>
    /// <param name="config">The geometry, e.g. <see cref="VisionConfig.ClipVitLarge336"/>.</param>
    /// <param name="selection">Feature layer and strategy; null = layer -2 with <c>default</c>.</param>
    /// <param name="dtype">Element type (a floating-point type).</param>
    /// <param name="device">Device; null = CPU.</param>
    /// <param name="seed">Seed of the weights.</param>
    /// <exception cref="ArgumentException">The dtype is not floating point, or the selection names no layer.</exception>
    /// <exception cref="InvalidDataException">The config is not a valid geometry.</exception>
    public static VisionTower CreateRandom(VisionConfig config, VisionFeatureSelection? selection = null,
        ScalarType dtype = ScalarType.Float32, Device? device = null, long seed = 0)
    {
        ArgumentNullException.ThrowIfNull(config);
        CheckDType(dtype);
        config.Validate();
        var chosen = selection ?? VisionFeatureSelection.LlavaDefault;
        CheckSelection(chosen, config);
        using var store = new RandomWeightStore(seed, dtype, device ?? CPU);
        return new VisionTower(Build(store, config), chosen, null, null);
    }

    /// <summary>
    /// Vanilla LLaVA features: <c>hidden_states[layer]</c> of every image, CLS dropped under <c>default</c> when the tower
    /// has one ([B, N-1, D]), all N tokens otherwise ([B, N, D]; SigLIP has no CLS, so always all tokens).
    /// </summary>
    /// <remarks>
    /// transformers' <c>LlavaModel</c> drops token 0 under <c>default</c> whatever the tower; for a SigLIP tower that would
    /// drop a patch, so this keeps every token there (SigLIP LLaVAs such as llava-interleave / onevision use <c>full</c>).
    /// </remarks>
    /// <param name="pixelValues">[B, C, S, S] preprocessed images (S = <c>image_size</c>), any dtype/device.</param>
    /// <exception cref="ArgumentException">The pixels are not [B, C, S, S].</exception>
    public Tensor EncodeVanilla(Tensor pixelValues)
    {
        using var scope = NewDisposeScope();
        var hidden = Transformer.ForwardHiddenState(pixelValues, Selection.Layer);      // [B, N, D]
        if (Selection.Strategy == VisionFeatureSelectStrategy.Default && HasCls)
        {
            hidden = hidden.narrow(1, 1, hidden.shape[1] - 1);                           // [B, N-1, D]
        }

        return hidden.MoveToOuterDisposeScope();
    }

    /// <summary>Vanilla features of a list of images [C, S, S] (or video frames) encoded as one batch; row b = image b.</summary>
    /// <exception cref="ArgumentException">The list is empty or an image is not [C, S, S].</exception>
    public Tensor EncodeVanilla(IReadOnlyList<Tensor> images)
    {
        using var scope = NewDisposeScope();
        return EncodeVanilla(Stack(images)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Runs to the feature layer and returns its output with the statistics asked for (see <see cref="FeatureLayer"/>);
    /// the caller disposes the result.
    /// </summary>
    /// <param name="pixelValues">[B, C, S, S] preprocessed images.</param>
    /// <param name="statistics">What to compute besides the hidden states, e.g. a reducer's <see cref="IVisualTokenReducer.RequiredStatistics"/>.</param>
    /// <exception cref="ArgumentException">The pixels are not [B, C, S, S], or the statistics do not fit this tower.</exception>
    public FeatureLayer EncodeFeatureLayer(Tensor pixelValues, FeatureStatistics statistics) =>
        Transformer.ForwardFeatureLayer(pixelValues, Selection.Layer, statistics);

    /// <summary>
    /// The one path from pixels to reduced tokens: runs to the feature layer computing only what
    /// <paramref name="reducer"/> reads, then reduces every image on its own (row b of the result belongs to image b).
    /// The reducer sees the whole feature layer, CLS included when the tower has one, whatever the feature-select
    /// strategy (as the official VisionZip feeds LLaVA-1.5).
    /// </summary>
    /// <param name="pixelValues">[B, C, S, S] preprocessed images.</param>
    /// <param name="reducer">The reduction method.</param>
    /// <param name="stageDone">Called after the encoder and after the reduction (for timing), or null.</param>
    /// <returns>The reduction; its tensors belong to the caller's dispose scope (see <see cref="TokenReduction"/>).</returns>
    /// <exception cref="ArgumentException">The pixels are not [B, C, S, S], or the reduction does not fit the tower's tokens
    /// (checked before the encoder runs).</exception>
    public TokenReduction EncodeReduced(Tensor pixelValues, IVisualTokenReducer reducer, Action<VisionStage>? stageDone = null)
    {
        ArgumentNullException.ThrowIfNull(pixelValues);
        ArgumentNullException.ThrowIfNull(reducer);
        reducer.OutputTokenCount(Config.NumPositions, HasCls);
        TokenReduction reduction;
        using (var layer = EncodeFeatureLayer(pixelValues, reducer.RequiredStatistics(HasCls)))
        {
            stageDone?.Invoke(VisionStage.Encoder);
            reduction = reducer.Reduce(layer);
        }

        stageDone?.Invoke(VisionStage.Reduction);
        return reduction;
    }

    /// <summary>As <see cref="EncodeReduced(Tensor, IVisualTokenReducer, Action{VisionStage}?)"/> for a list of images [C, S, S] (or video frames) encoded as one batch.</summary>
    /// <exception cref="ArgumentException">The list is empty, an image is not [C, S, S], or the reduction does not fit.</exception>
    public TokenReduction EncodeReduced(IReadOnlyList<Tensor> images, IVisualTokenReducer reducer)
    {
        using var batch = Stack(images);
        return EncodeReduced(batch, reducer);
    }

    /// <inheritdoc />
    public void Dispose() => Transformer.Dispose();

    private static VisionTransformer Build(WeightStore store, VisionConfig config)
    {
        var root = new WeightScope(store);
        return config.Architecture == VisionArchitecture.Clip
            ? new ClipVisionTransformer(root, config)
            : new SiglipVisionTransformer(root, config);
    }

    private static string FindPrefix(SafetensorsCheckpoint checkpoint)
    {
        foreach (string prefix in WeightPrefixes)
        {
            if (checkpoint.Names.Any(name => name.StartsWith(prefix + "embeddings.", StringComparison.Ordinal)
                || name.StartsWith(prefix + "encoder.layers.", StringComparison.Ordinal)))
            {
                return prefix;
            }
        }

        throw new InvalidDataException(
            $"{checkpoint.Source}: no vision tower weights: no tensor name starts with " +
            string.Join(", ", WeightPrefixes.Select(p => $"'{p}embeddings.' or '{p}encoder.layers.'")));
    }

    private Tensor Stack(IReadOnlyList<Tensor> images)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (images.Count == 0)
        {
            throw new ArgumentException("no images given", nameof(images));
        }

        for (int i = 0; i < images.Count; i++)
        {
            var shape = images[i].shape;
            if (shape.Length != 3 || shape[0] != Config.NumChannels || shape[1] != Config.ImageSize || shape[2] != Config.ImageSize)
            {
                throw new ArgumentException(
                    $"image {i} has shape [{string.Join(", ", shape)}], expected [{Config.NumChannels}, {Config.ImageSize}, {Config.ImageSize}]",
                    nameof(images));
            }
        }

        using var scope = NewDisposeScope();
        return stack(images.Select(image => image.to(DType, Device)), 0).MoveToOuterDisposeScope(); // [B, C, S, S]
    }

    private static void CheckDType(ScalarType dtype)
    {
        if (!is_floating_point(dtype))
        {
            throw new ArgumentException($"dtype {dtype} is not a floating-point type (use Float32, Float16 or BFloat16)", nameof(dtype));
        }
    }

    private static void CheckSelection(VisionFeatureSelection selection, VisionConfig config) =>
        selection.ResolveHiddenStateIndex(config.NumHiddenLayers);
}
