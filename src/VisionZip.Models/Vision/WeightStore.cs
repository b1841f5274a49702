using TorchSharp.Modules;
using VisionZip.Models.IO;
using static TorchSharp.torch;

namespace VisionZip.Models.Vision;

/// <summary>How a weight is initialised when a model is built with random weights.</summary>
internal enum WeightInit
{
    /// <summary>Normal(0, 0.02), as transformers initialises projections and embeddings.</summary>
    Normal,

    /// <summary>Zeros (biases).</summary>
    Zeros,

    /// <summary>Ones (LayerNorm scales).</summary>
    Ones,
}

/// <summary>
/// Hands out a model's parameters by their Hugging Face name while the model is being built. A checkpoint store
/// records every missing or wrongly shaped weight instead of failing on the first, so that
/// <see cref="ThrowIfProblems"/> can report all of them at once.
/// </summary>
internal abstract class WeightStore : IDisposable
{
    private readonly List<string> _problems = [];

    protected WeightStore(ScalarType dtype, Device device)
    {
        DType = dtype;
        Device = device;
    }

    /// <summary>Element type of every parameter handed out.</summary>
    public ScalarType DType { get; }

    /// <summary>Device of every parameter handed out.</summary>
    public Device Device { get; }

    /// <summary>Problems found so far, one line each.</summary>
    public IReadOnlyList<string> Problems => _problems;

    /// <summary>
    /// The parameter named <paramref name="name"/> (relative to the model root) of shape <paramref name="shape"/>.
    /// Returns null only for an absent optional weight. A missing required or mis-shaped weight is recorded and
    /// answered with a placeholder on the meta device, so construction can go on and find the other problems.
    /// </summary>
    public Parameter? Take(string name, long[] shape, WeightInit init, bool required)
    {
        var tensor = Fetch(name, shape, init, required);
        if (tensor is null)
        {
            return null;
        }

        var parameter = new Parameter(tensor, requires_grad: false);
        parameter.DetachFromDisposeScope();
        return parameter;
    }

    /// <summary>Throws one <see cref="InvalidDataException"/> listing every problem, if there are any.</summary>
    public abstract void ThrowIfProblems();

    /// <summary>True when a weight of that name (relative to the model root) is available.</summary>
    public abstract bool Contains(string name);

    /// <inheritdoc />
    public virtual void Dispose()
    {
    }

    protected abstract Tensor? Fetch(string name, long[] shape, WeightInit init, bool required);

    protected void AddProblem(string problem) => _problems.Add(problem);

    protected static Tensor Placeholder(long[] shape) => empty(shape, device: META);

    protected static string Shape(IEnumerable<long> shape) => "[" + string.Join(", ", shape) + "]";
}

/// <summary>Weights read from a safetensors checkpoint under a name prefix, converted to the requested dtype and device.</summary>
internal sealed class CheckpointWeightStore : WeightStore
{
    private readonly SafetensorsCheckpoint _checkpoint;
    private readonly string _what;

    /// <param name="checkpoint">The open checkpoint.</param>
    /// <param name="prefix">Prefix of the model root in the checkpoint, e.g. <c>vision_tower.vision_model.</c>.</param>
    /// <param name="what">What is being loaded, for the error message (e.g. "CLIP vision tower").</param>
    /// <param name="dtype">Target element type.</param>
    /// <param name="device">Target device.</param>
    public CheckpointWeightStore(SafetensorsCheckpoint checkpoint, string prefix, string what, ScalarType dtype, Device device)
        : base(dtype, device)
    {
        _checkpoint = checkpoint;
        Prefix = prefix;
        _what = what;
    }

    /// <summary>Prefix of the model root in the checkpoint.</summary>
    public string Prefix { get; }

    /// <inheritdoc />
    public override void ThrowIfProblems()
    {
        if (Problems.Count == 0)
        {
            return;
        }

        throw new InvalidDataException(
            $"{_checkpoint.Source}: cannot load the {_what}: {Problems.Count} weight(s) under '{Prefix}' missing or wrongly shaped:" +
            Environment.NewLine + string.Join(Environment.NewLine, Problems.Select(p => "  " + p)));
    }

    /// <inheritdoc />
    public override bool Contains(string name) => _checkpoint.Contains(Prefix + name);

    /// <inheritdoc />
    protected override Tensor? Fetch(string name, long[] shape, WeightInit init, bool required)
    {
        string full = Prefix + name;
        var info = _checkpoint.Info(full);
        if (info is null)
        {
            if (required)
            {
                AddProblem($"{full}: missing (expected {Shape(shape)})");
                return Placeholder(shape);
            }

            return null;
        }

        bool problem = false;
        if (!info.Shape.SequenceEqual(shape))
        {
            AddProblem($"{full}: shape {Shape(info.Shape)}, expected {Shape(shape)}");
            problem = true;
        }

        if (!is_floating_point(info.Type))
        {
            AddProblem($"{full}: stored as {info.DType}, expected a floating-point type (F32, F16, BF16)");
            problem = true;
        }

        return problem ? Placeholder(shape) : _checkpoint.ReadWeight(full, DType, Device);
    }
}

/// <summary>
/// Random weights (benchmarks, tests): Normal(0, 0.02) matrices and embeddings, zero biases, unit LayerNorm scales;
/// on the meta device, shapes only.
/// </summary>
internal sealed class RandomWeightStore : WeightStore
{
    private const double Std = 0.02;
    private readonly Generator _generator;

    public RandomWeightStore(long seed, ScalarType dtype, Device device)
        : base(dtype, device)
    {
        _generator = new Generator((ulong)seed);
    }

    /// <inheritdoc />
    public override void ThrowIfProblems()
    {
    }

    /// <inheritdoc />
    public override bool Contains(string name) => true;

    /// <inheritdoc />
    public override void Dispose() => _generator.Dispose();

    /// <inheritdoc />
    protected override Tensor? Fetch(string name, long[] shape, WeightInit init, bool required)
    {
        if (Device.type == TorchSharp.DeviceType.META)
        {
            return empty(shape, DType, Device); // geometry only: no memory, no values
        }

        using var scope = NewDisposeScope();
        var tensor = init switch
        {
            WeightInit.Zeros => zeros(shape, ScalarType.Float32),
            WeightInit.Ones => ones(shape, ScalarType.Float32),
            _ => randn(shape, ScalarType.Float32, generator: _generator).mul_(Std),
        };
        return tensor.to(DType, Device).MoveToOuterDisposeScope();
    }
}
