using static TorchSharp.torch;

namespace VisionZip;

/// <summary>
/// Checks the arguments of <see cref="VisionZipper.Zip"/> before any tensor is made, so bad input fails with an
/// <see cref="ArgumentException"/> that names the argument, the expected and the actual values.
/// </summary>
internal static class ZipArguments
{
    /// <summary>Validates every argument; returns (batch, seqLen, hidden) of <paramref name="hiddenStates"/>.</summary>
    internal static (long Batch, long SeqLen, long Hidden) Validate(
        Tensor hiddenStates, Tensor attention, Tensor metric, ZipBudget budget, bool hasCls)
    {
        ArgumentNullException.ThrowIfNull(hiddenStates);
        ArgumentNullException.ThrowIfNull(attention);
        ArgumentNullException.ThrowIfNull(metric);

        RequireFloating(hiddenStates, nameof(hiddenStates));
        RequireFloating(attention, nameof(attention));
        RequireFloating(metric, nameof(metric));

        if (hiddenStates.dim() != 3)
        {
            throw new ArgumentException(
                $"hiddenStates must be [B, N, D]; got rank {hiddenStates.dim()} {Describe(hiddenStates)}", nameof(hiddenStates));
        }

        var (batch, seqLen, hidden) = (hiddenStates.shape[0], hiddenStates.shape[1], hiddenStates.shape[2]);
        if (batch < 1 || seqLen < 1 || hidden < 1)
        {
            throw new ArgumentException($"hiddenStates must have B, N, D >= 1; got {Describe(hiddenStates)}", nameof(hiddenStates));
        }

        if (metric.dim() != 3 || metric.shape[0] != batch || metric.shape[1] != seqLen || metric.shape[2] < 1)
        {
            throw new ArgumentException(
                $"metric must be [B, N, head_dim] = [{batch}, {seqLen}, head_dim] to match hiddenStates; got {Describe(metric)}",
                nameof(metric));
        }

        if (!AttentionShapeFits(attention, batch, seqLen))
        {
            throw new ArgumentException(
                $"attention must be [B, H, N, N], [B, H, N] or [B, N] with B = {batch}, N = {seqLen} (from hiddenStates); " +
                $"got {Describe(attention)}", nameof(attention));
        }

        RequireSameDevice(hiddenStates, attention, nameof(attention));
        RequireSameDevice(hiddenStates, metric, nameof(metric));

        budget.Validate(seqLen, hasCls);

        return (batch, seqLen, hidden);
    }

    private static bool AttentionShapeFits(Tensor attention, long batch, long seqLen) => attention.dim() switch
    {
        4 => attention.shape[0] == batch && attention.shape[1] >= 1 && attention.shape[2] == seqLen && attention.shape[3] == seqLen,
        3 => attention.shape[0] == batch && attention.shape[1] >= 1 && attention.shape[2] == seqLen,
        2 => attention.shape[0] == batch && attention.shape[1] == seqLen,
        _ => false,
    };

    private static void RequireFloating(Tensor tensor, string name)
    {
        if (!tensor.is_floating_point())
        {
            throw new ArgumentException(
                $"{name} must be a floating-point tensor (float32, float16, bfloat16 or float64); got {tensor.dtype} {Describe(tensor)}",
                name);
        }
    }

    private static void RequireSameDevice(Tensor reference, Tensor other, string name)
    {
        if (reference.device_type != other.device_type || reference.device_index != other.device_index)
        {
            throw new ArgumentException($"{name} is on {other.device} but hiddenStates is on {reference.device}", name);
        }
    }

    internal static string Describe(Tensor tensor) => $"[{string.Join(", ", tensor.shape)}]";
}
