using TorchSharp;
using static TorchSharp.torch;

namespace VisionZip.Models.Language;

/// <summary>
/// Rotary position embedding (transformers <c>LlamaRotaryEmbedding</c> and <c>apply_rotary_pos_emb</c>): inverse
/// frequencies in float32 after <c>rope_scaling</c>, cos/sin of <c>position * inv_freq</c> duplicated over both halves
/// of the head, and the <c>rotate_half</c> convention (dimension i pairs with i + head_dim/2).
/// </summary>
public sealed class LlamaRotaryEmbedding : nn.Module
{
    private readonly Tensor _invFreq; // [head_dim / 2] float32 on the model device

    internal LlamaRotaryEmbedding(string name, DecoderConfig config, Device device) : base(name)
    {
        var cpu = InverseFrequencies(config);
        _invFreq = cpu.to(device).DetachFromDisposeScope();
        if (!ReferenceEquals(_invFreq, cpu))
        {
            cpu.Dispose();
        }

        register_buffer("inv_freq", _invFreq, persistent: false);
    }

    /// <summary>
    /// Inverse frequencies [head_dim / 2] (float32, CPU) as transformers computes them:
    /// <c>1 / theta^(2i / head_dim)</c>, then the <c>linear</c> or <c>llama3</c> rule of <see cref="DecoderConfig.RopeScaling"/>.
    /// </summary>
    public static Tensor InverseFrequencies(DecoderConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        using var scope = NewDisposeScope();
        int headDim = config.HeadDim;
        var exponent = torch.arange(0, headDim, 2, dtype: ScalarType.Int64).to(ScalarType.Float32) / headDim; // [head_dim / 2]
        var invFreq = torch.full_like(exponent, config.RopeTheta).pow(exponent).reciprocal();
        invFreq = config.RopeScaling switch
        {
            null => invFreq,
            { RopeType: RopeScaling.Linear } linear => invFreq / linear.Factor,
            { RopeType: RopeScaling.Llama3 } llama3 => Llama3(invFreq, llama3),
            var other => throw new NotSupportedException($"rope_type '{other.RopeType}' is not supported"),
        };
        return invFreq.MoveToOuterDisposeScope();
    }

    // transformers _compute_llama3_parameters, operation for operation in float32.
    private static Tensor Llama3(Tensor invFreq, RopeScaling scaling)
    {
        double factor = scaling.Factor;
        double low = scaling.LowFreqFactor;
        double high = scaling.HighFreqFactor;
        double oldContext = scaling.OriginalMaxPositionEmbeddings;
        double lowFreqWavelength = oldContext / low;
        double highFreqWavelength = oldContext / high;

        var wavelength = torch.full_like(invFreq, 2 * Math.PI) / invFreq;
        var scaled = torch.where(wavelength > lowFreqWavelength, invFreq / factor, invFreq);
        var smoothFactor = (torch.full_like(wavelength, oldContext) / wavelength - low) / (high - low);
        var smoothed = (1 - smoothFactor) * scaled / factor + smoothFactor * scaled;
        var isMedium = (wavelength < highFreqWavelength).logical_not() & (wavelength > lowFreqWavelength).logical_not();
        return torch.where(isMedium, smoothed, scaled);
    }

    /// <summary>Cos and sin tables for positions <c>start .. start + length - 1</c>.</summary>
    /// <param name="start">First position (the KV cache length).</param>
    /// <param name="length">Number of positions.</param>
    /// <param name="dtype">The activations' dtype; the tables are computed in float32 and cast to it.</param>
    /// <returns>cos and sin, each [length, head_dim].</returns>
    public (Tensor Cos, Tensor Sin) forward(long start, long length, ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        var positions = torch.arange(start, start + length, dtype: ScalarType.Float32, device: _invFreq.device); // [T]
        var frequencies = torch.outer(positions, _invFreq);                                                        // [T, head_dim / 2]
        var angles = torch.cat([frequencies, frequencies], dim: -1);                                                  // [T, head_dim]
        return (angles.cos().to(dtype).MoveToOuterDisposeScope(), angles.sin().to(dtype).MoveToOuterDisposeScope());
    }

    /// <summary>Rotates queries or keys: <c>x * cos + rotate_half(x) * sin</c>.</summary>
    /// <param name="input">[B, heads, T, head_dim].</param>
    /// <param name="cos">[T, head_dim].</param>
    /// <param name="sin">[T, head_dim].</param>
    /// <returns>[B, heads, T, head_dim].</returns>
    public static Tensor Apply(Tensor input, Tensor cos, Tensor sin)
    {
        using var scope = NewDisposeScope();
        long half = input.shape[^1] / 2;
        var first = input.narrow(-1, 0, half);
        var second = input.narrow(-1, half, half);
        var rotated = torch.cat([second.neg(), first], dim: -1); // rotate_half
        // input * cos + rotated * sin, the same operations in the same order, into two new tensors instead of four.
        return input.mul(cos).add_(rotated.mul_(sin)).MoveToOuterDisposeScope();
    }
}
