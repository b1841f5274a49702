using VisionZip.Models.Errors;
using static TorchSharp.torch;

namespace VisionZip.Models.IO;

/// <summary>Cheap sanity checks on the values of a weight as it is loaded.</summary>
internal static class WeightValues
{
    /// <summary>
    /// Throws when <paramref name="weight"/> holds NaN or infinite values. One reduction per tensor (a boolean mask of
    /// its size lives only for the call), so it costs far less than reading the weight from disk.
    /// </summary>
    /// <exception cref="CheckpointException">Names the file, the tensor, how many values are bad and the first one.</exception>
    public static void RequireFinite(Tensor weight, string file, string name)
    {
        if (!is_floating_point(weight) || weight.numel() == 0 || weight.device.type == TorchSharp.DeviceType.META)
        {
            return;
        }

        using var scope = NewDisposeScope();
        var finite = isfinite(weight);
        if (finite.all().item<bool>())
        {
            return;
        }

        var bad = finite.logical_not();
        long count = bad.sum().item<long>();
        long first = bad.flatten().nonzero()[0, 0].item<long>();
        double value = weight.flatten()[first].to_type(ScalarType.Float64).item<double>();
        throw new CheckpointException(file,
            $"{file}: tensor '{name}' holds {count} non-finite value(s) of {weight.numel()} as {weight.dtype} (the first, {value}, " +
            $"at flat index {first}); the checkpoint is corrupt, was saved from a diverged model, or overflows the chosen dtype",
            tensor: name);
    }
}
