using TorchSharp.Modules;
using TorchSharp.Utils;
using VisionZip.Models.Checkpoints;
using VisionZip.Models.IO;
using static TorchSharp.torch;

namespace VisionZip.Models.Vision;

/// <summary>
/// The LLaVA projector from vision width to text width (transformers <c>LlavaMultiModalProjector</c>, LLaVA's
/// <c>mlp2x_gelu</c>): <c>linear_1 -> projector_hidden_act (exact-erf GELU by default) -> linear_2</c>.
/// </summary>
/// <remarks>
/// Parameter names are <c>linear_1</c> / <c>linear_2</c>; <see cref="Load(string, ScalarType, Device?)"/> also reads the newer
/// <c>model.multi_modal_projector.</c> prefix and the original LLaVA <c>mm_projector.0</c> / <c>mm_projector.2</c>.
/// Stateless forward, safe to call concurrently; dispose to free the weights.
/// </remarks>
public sealed class LlavaMultiModalProjector : nn.Module<Tensor, Tensor>
{
    /// <summary>Checkpoint layouts tried in order: prefix, name of the first linear, name of the second.</summary>
    public static IReadOnlyList<(string Prefix, string First, string Second)> Layouts { get; } =
    [
        ("multi_modal_projector.", "linear_1", "linear_2"),
        ("model.multi_modal_projector.", "linear_1", "linear_2"),
        ("model.mm_projector.", "0", "2"),
        ("mm_projector.", "0", "2"),
    ];

    private readonly VisionActivation _activation;

    // linear_1: weight [T, Dv], bias [T]; linear_2: weight [T, T], bias [T].
    [ComponentName(Name = "linear_1")]
    private readonly Linear _linear1;
    [ComponentName(Name = "linear_2")]
    private readonly Linear _linear2;

    private LlavaMultiModalProjector(WeightScope weights, int inputSize, int outputSize, VisionActivation activation, bool bias,
        string first, string second) : base(nameof(LlavaMultiModalProjector))
    {
        _activation = activation;
        InputSize = inputSize;
        OutputSize = outputSize;
        DType = weights.Store.DType;
        Device = weights.Store.Device;
        _linear1 = weights.Linear(first, inputSize, outputSize, bias);
        _linear2 = weights.Linear(second, outputSize, outputSize, bias);
        RegisterComponents();
    }

    /// <summary>The activation between the two linears (<c>projector_hidden_act</c>).</summary>
    public VisionActivation Activation => _activation;

    /// <summary>Input width (the vision hidden size, Dv).</summary>
    public int InputSize { get; }

    /// <summary>Output width (the text hidden size, T).</summary>
    public int OutputSize { get; }

    /// <summary>Element type of the weights.</summary>
    public ScalarType DType { get; }

    /// <summary>Device of the weights.</summary>
    public Device Device { get; }

    /// <summary>
    /// Loads the projector of a LLaVA directory (llava-hf or an original LLaVA release), with the config's
    /// <c>projector_hidden_act</c> and <c>multimodal_projector_bias</c>.
    /// </summary>
    /// <param name="directory">The checkpoint directory.</param>
    /// <param name="dtype">Element type of the weights and computation (floating point).</param>
    /// <param name="device">Device; null = CPU.</param>
    /// <exception cref="FileNotFoundException">No config or no weights in the directory.</exception>
    /// <exception cref="InvalidDataException">Not a LLaVA config, or projector weights missing / wrongly shaped (all listed in one message naming the directory).</exception>
    /// <exception cref="ArgumentException">The dtype is not floating point.</exception>
    public static LlavaMultiModalProjector Load(string directory, ScalarType dtype = ScalarType.Float32, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(directory);
        CheckDType(dtype);
        using var checkpointDirectory = CheckpointDirectory.OpenForLoader(directory, "LLaVA multi-modal projector");
        return Load(checkpointDirectory, dtype, device);
    }

    /// <summary>
    /// Loads the projector from an opened checkpoint directory (config and weights shared with the other part loaders);
    /// otherwise as <see cref="Load(string, ScalarType, Device?)"/>.
    /// </summary>
    /// <param name="directory">The opened checkpoint directory.</param>
    /// <param name="dtype">Element type of the weights and computation (floating point).</param>
    /// <param name="device">Device; null = CPU.</param>
    /// <exception cref="FileNotFoundException">No config or no weights in the directory.</exception>
    /// <exception cref="InvalidDataException">Not a LLaVA config, or projector weights missing / wrongly shaped (all listed).</exception>
    /// <exception cref="ArgumentException">The dtype is not floating point.</exception>
    public static LlavaMultiModalProjector Load(CheckpointDirectory directory, ScalarType dtype = ScalarType.Float32, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(directory);
        CheckDType(dtype);
        var config = VisionConfigReader.Read(directory);
        if (config.Kind is not (VisionCheckpointKind.Llava or VisionCheckpointKind.OriginalLlava))
        {
            throw new InvalidDataException($"{config.Source}: not a LLaVA config (a {config.Kind} checkpoint has no multi-modal projector)");
        }

        var checkpoint = directory.Weights; // owned by the directory, open for the whole load
        var (prefix, first, second) = Layouts.FirstOrDefault(layout =>
            checkpoint.Contains(layout.Prefix + layout.First + ".weight") || checkpoint.Contains(layout.Prefix + layout.Second + ".weight"));
        if (prefix is null)
        {
            throw new InvalidDataException($"{checkpoint.Source}: no multi-modal projector weights (expected one of " +
                string.Join(", ", Layouts.Select(l => $"'{l.Prefix}{l.First}.weight'")) + ")");
        }

        var stored = checkpoint.Info(prefix + first + ".weight");
        int? storedOut = stored is { Shape.Length: 2 } ? (int)stored.Shape[0] : null;
        int? storedIn = stored is { Shape.Length: 2 } ? (int)stored.Shape[1] : null;
        int inputSize = config.ProjectorInputSize ?? storedIn ?? throw Unsized(checkpoint, prefix + first + ".weight", "input");
        int outputSize = config.ProjectorOutputSize ?? storedOut ?? throw Unsized(checkpoint, prefix + first + ".weight", "output");

        using var store = new CheckpointWeightStore(checkpoint, prefix, "LLaVA multi-modal projector", dtype, device ?? CPU);
        var projector = new LlavaMultiModalProjector(new WeightScope(store), inputSize, outputSize, config.ProjectorAct,
            config.ProjectorBias, first, second);
        try
        {
            store.ThrowIfProblems();
        }
        catch
        {
            projector.Dispose();
            throw;
        }

        return projector;
    }

    /// <summary>A projector with random weights (Normal(0, 0.02), zero biases), for benchmarks and tests.</summary>
    /// <exception cref="ArgumentException">A size is not positive or the dtype is not floating point.</exception>
    public static LlavaMultiModalProjector CreateRandom(int inputSize, int outputSize, VisionActivation activation = VisionActivation.Gelu,
        ScalarType dtype = ScalarType.Float32, Device? device = null, long seed = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outputSize);
        CheckDType(dtype);
        using var store = new RandomWeightStore(seed, dtype, device ?? CPU);
        return new LlavaMultiModalProjector(new WeightScope(store), inputSize, outputSize, activation, bias: true, "linear_1", "linear_2");
    }

    /// <summary>Projects visual tokens [..., Dv] (any dtype/device; converted to the projector's) to [..., T].</summary>
    /// <exception cref="ArgumentException">The last dimension is not <see cref="InputSize"/>.</exception>
    public override Tensor forward(Tensor imageFeatures)
    {
        if (imageFeatures.dim() == 0 || imageFeatures.shape[^1] != InputSize)
        {
            throw new ArgumentException(
                $"image features have shape [{string.Join(", ", imageFeatures.shape)}], expected a last dimension of {InputSize}",
                nameof(imageFeatures));
        }

        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var hidden = _activation.Apply(_linear1.call(imageFeatures.to(DType, Device)));  // [..., T]
        return _linear2.call(hidden).MoveToOuterDisposeScope();                           // [..., T]
    }

    /// <summary>
    /// Replaces the weights with <paramref name="weights"/> (names as <c>named_parameters</c>: <c>linear_1.weight</c>,
    /// <c>linear_1.bias</c>, <c>linear_2.weight</c>, <c>linear_2.bias</c>), e.g. a tuned projector adapter. All or nothing:
    /// every name and shape is checked before anything is copied.
    /// </summary>
    /// <param name="weights">One tensor per parameter, any floating dtype and device.</param>
    /// <param name="source">Where the weights come from, for messages.</param>
    /// <exception cref="InvalidDataException">A parameter is missing, has another shape, is not finite, or an extra name is given.</exception>
    public void LoadWeights(IReadOnlyDictionary<string, Tensor> weights, string source)
    {
        ArgumentNullException.ThrowIfNull(weights);
        var parameters = named_parameters().ToList();
        var problems = new List<string>();
        foreach (var (name, parameter) in parameters)
        {
            if (!weights.TryGetValue(name, out var value))
            {
                problems.Add($"'{name}' is missing");
            }
            else if (!value.shape.SequenceEqual(parameter.shape))
            {
                problems.Add($"'{name}' is [{string.Join(", ", value.shape)}], expected [{string.Join(", ", parameter.shape)}]");
            }
            else if (!value.isfinite().all().item<bool>())
            {
                problems.Add($"'{name}' holds NaN or infinite values");
            }
        }

        problems.AddRange(weights.Keys.Except(parameters.Select(p => p.name)).Select(name => $"'{name}' is not a projector parameter"));
        if (problems.Count > 0)
        {
            throw new InvalidDataException($"{source}: projector weights do not fit this model: {string.Join("; ", problems)}");
        }

        using var noGrad = no_grad();
        foreach (var (name, parameter) in parameters)
        {
            parameter.copy_(weights[name].to(parameter.dtype, parameter.device));
        }
    }

    private static InvalidDataException Unsized(SafetensorsCheckpoint checkpoint, string name, string side) =>
        new($"{checkpoint.Source}: cannot tell the projector's {side} width: the config does not give it and '{name}' is missing or not 2-D");

    private static void CheckDType(ScalarType dtype)
    {
        if (!is_floating_point(dtype))
        {
            throw new ArgumentException($"dtype {dtype} is not a floating-point type (use Float32, Float16 or BFloat16)", nameof(dtype));
        }
    }
}
