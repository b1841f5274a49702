using TorchSharp;
using VisionZip.Models.Vision;
using static TorchSharp.torch;

namespace VisionZip.Models.Tuning;

/// <summary>
/// A trainable copy of a LLaVA projector (<c>linear_1 -> act -> linear_2</c>): float32 master weights with gradients,
/// and the AdamW state that updates them. The loaded projector is never modified.
/// </summary>
/// <remarks>Owns its tensors; dispose it. Not thread-safe.</remarks>
internal sealed class TrainableProjector : IDisposable
{
    private const double Beta1 = 0.9;
    private const double Beta2 = 0.999;
    private const double Epsilon = 1e-8;

    private readonly VisionActivation _activation;
    private readonly string[] _names;
    private readonly Tensor[] _parameters;     // float32, requires_grad
    private readonly Tensor[] _firstMoments;   // AdamW m
    private readonly Tensor[] _secondMoments;  // AdamW v

    internal TrainableProjector(LlavaMultiModalProjector projector)
    {
        _activation = projector.Activation;
        ComputeType = projector.DType;
        Device = projector.Device;
        var named = projector.named_parameters().ToList();
        _names = [.. named.Select(p => p.name)];
        // Master weights in float32 (float64 for a float64 model, so gradient checks are exact to float64 precision).
        MasterType = projector.DType == ScalarType.Float64 ? ScalarType.Float64 : ScalarType.Float32;
        _parameters = [.. named.Select(p => p.parameter.detach().to(MasterType).clone().requires_grad_(true).DetachFromDisposeScope())];
        _firstMoments = [.. _parameters.Select(p => zeros_like(p).DetachFromDisposeScope())];
        _secondMoments = [.. _parameters.Select(p => zeros_like(p).DetachFromDisposeScope())];
    }

    /// <summary>The dtype of the master weights and the AdamW state.</summary>
    internal ScalarType MasterType { get; }

    /// <summary>The dtype the forward runs in (the model's).</summary>
    internal ScalarType ComputeType { get; }

    /// <summary>The device of every tensor.</summary>
    internal Device Device { get; }

    /// <summary>Optimizer steps taken.</summary>
    internal int Step { get; private set; }

    /// <summary>Parameter names as in the projector (<c>linear_1.weight</c>, ...).</summary>
    internal IReadOnlyList<string> Names => _names;

    /// <summary>The float32 master parameters.</summary>
    internal IReadOnlyList<Tensor> Parameters => _parameters;

    /// <summary><c>linear_2(act(linear_1(x)))</c> with gradients to the parameters; [..., Dv] -> [..., D] in the compute dtype.</summary>
    internal Tensor Forward(Tensor features)
    {
        using var scope = NewDisposeScope();
        Tensor Weight(int i) => _parameters[i].to(ComputeType);
        var x = features.to(ComputeType, Device);
        bool bias = _parameters.Length == 4;
        var hidden = nn.functional.linear(x, Weight(0), bias ? Weight(1) : null);
        hidden = _activation.Apply(hidden);
        var output = nn.functional.linear(hidden, Weight(bias ? 2 : 1), bias ? Weight(3) : null);
        return output.MoveToOuterDisposeScope();
    }

    /// <summary>Clears the gradients.</summary>
    internal void ZeroGradients()
    {
        // Every read of .grad makes a new handle: the scope frees them (the gradients stay with their parameters).
        using var scope = NewDisposeScope();
        foreach (var parameter in _parameters)
        {
            parameter.grad?.zero_();
        }
    }

    /// <summary>Global L2 norm of the gradients, clipped to <paramref name="maxNorm"/> in place (0 = no clipping).</summary>
    internal double ClipGradients(double maxNorm)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var grads = _parameters.Select(p => p.grad).OfType<Tensor>().ToList();
        if (grads.Count == 0)
        {
            return 0;
        }

        double norm = stack(grads.Select(g => g.norm()).ToArray()).norm().item<float>();
        if (maxNorm > 0 && norm > maxNorm)
        {
            double factor = maxNorm / (norm + 1e-6);
            foreach (var grad in grads)
            {
                grad.mul_(factor);
            }
        }

        return norm;
    }

    /// <summary>One AdamW update with learning rate <paramref name="rate"/>; weight decay applies to the weights only.</summary>
    internal void Update(double rate, double weightDecay)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        Step++;
        double correction1 = 1 - Math.Pow(Beta1, Step);
        double correction2 = 1 - Math.Pow(Beta2, Step);
        for (int i = 0; i < _parameters.Length; i++)
        {
            if (_parameters[i].grad is not { } grad)
            {
                continue;
            }

            if (weightDecay > 0 && _names[i].EndsWith(".weight", StringComparison.Ordinal))
            {
                _parameters[i].mul_(1 - rate * weightDecay);
            }

            _firstMoments[i].mul_(Beta1).add_(grad, alpha: 1 - Beta1);
            _secondMoments[i].mul_(Beta2).addcmul_(grad, grad, value: 1 - Beta2);
            var denominator = (_secondMoments[i] / correction2).sqrt_().add_(Epsilon);
            _parameters[i].addcdiv_(_firstMoments[i], denominator, value: -rate / correction1);
        }
    }

    /// <summary>The weights in <paramref name="dtype"/> on the CPU, by projector name (a new dictionary of new tensors).</summary>
    internal Dictionary<string, Tensor> Export(ScalarType dtype)
    {
        using var noGrad = no_grad();
        return _names.Zip(_parameters).ToDictionary(p => p.First, p => p.Second.detach().to(dtype, CPU).clone().DetachFromDisposeScope());
    }

    /// <summary>Everything a resumed run needs: weights, AdamW moments (prefixed <c>adam_m.</c> / <c>adam_v.</c>).</summary>
    internal Dictionary<string, Tensor> ExportState()
    {
        var state = Export(MasterType);
        using var noGrad = no_grad();
        for (int i = 0; i < _names.Length; i++)
        {
            state["adam_m." + _names[i]] = _firstMoments[i].to(CPU).clone().DetachFromDisposeScope();
            state["adam_v." + _names[i]] = _secondMoments[i].to(CPU).clone().DetachFromDisposeScope();
        }

        return state;
    }

    /// <summary>Restores <see cref="ExportState"/>'s tensors and the step count.</summary>
    /// <exception cref="InvalidDataException">A tensor is missing or has another shape.</exception>
    internal void ImportState(IReadOnlyDictionary<string, Tensor> state, int step, string source)
    {
        using var noGrad = no_grad();
        for (int i = 0; i < _names.Length; i++)
        {
            Copy(state, _names[i], _parameters[i], source);
            Copy(state, "adam_m." + _names[i], _firstMoments[i], source);
            Copy(state, "adam_v." + _names[i], _secondMoments[i], source);
        }

        Step = step;
    }

    private static void Copy(IReadOnlyDictionary<string, Tensor> state, string name, Tensor target, string source)
    {
        if (!state.TryGetValue(name, out var value) || !value.shape.SequenceEqual(target.shape))
        {
            throw new InvalidDataException($"{source}: tensor '{name}' is missing or not [{string.Join(", ", target.shape)}]");
        }

        target.copy_(value);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var tensor in _parameters.Concat(_firstMoments).Concat(_secondMoments))
        {
            tensor.Dispose();
        }
    }
}
