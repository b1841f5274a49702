using static TorchSharp.torch;

namespace VisionZip.Models.Language;

/// <summary>Symmetric per-output-channel int8 quantisation of a weight matrix (weight-only; activations stay float).</summary>
internal static class Int8Quantizer
{
    /// <summary>
    /// <c>scale[r] = max|weight[r, :]| / 127</c> (1 for an all-zero row) and <c>q = round(weight / scale)</c> in
    /// [-127, 127], computed in float32; both detached from every dispose scope, on the weight's device.
    /// </summary>
    /// <param name="weight">[outputs, inputs] floating point.</param>
    /// <returns>int8 [outputs, inputs] and float32 scales [outputs].</returns>
    public static (Tensor Quantized, Tensor Scales) PerOutputChannel(Tensor weight)
    {
        if (weight.dim() != 2 || !is_floating_point(weight))
        {
            throw new ArgumentException(
                $"weight must be a floating-point [outputs, inputs] matrix, got [{string.Join(", ", weight.shape)}] {weight.dtype}",
                nameof(weight));
        }

        using var scope = NewDisposeScope();
        var dense = weight.to(ScalarType.Float32);                                   // [outputs, inputs]
        var maxima = dense.abs().amax([1]);                                          // [outputs]
        var scales = where(maxima > 0, maxima / 127.0, ones_like(maxima));         // [outputs]
        var quantized = (dense / scales.unsqueeze(1)).round_().clamp_(-127, 127).to(ScalarType.Int8);
        return (quantized.DetachFromDisposeScope(), scales.contiguous().DetachFromDisposeScope());
    }
}
