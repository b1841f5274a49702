using static TorchSharp.torch;

namespace VisionZip.Tests.Generality;

/// <summary>
/// How far the discrete VisionZip decisions on float64 reference inputs are from a tie. A float32 implementation can
/// only be required to reproduce indices exactly where these margins exceed its rounding (the fixtures use 2e-5).
/// </summary>
internal static class ZipMargins
{
    /// <summary>The margin every exact-index comparison of these tests requires.</summary>
    public const double Required = 2e-5;

    /// <summary>
    /// Smallest gap, over the images, between the last kept and the first dropped dominant score relative to the former
    /// (<paramref name="statistic"/> [B, H, N]: CLS row summed over heads for patches, else mean over heads);
    /// infinity when nothing is dropped.
    /// </summary>
    public static double Dominant(Tensor statistic, int dominant, bool hasCls)
    {
        using var scope = NewDisposeScope();
        var scores = hasCls ? statistic.sum([1]).narrow(1, 1, statistic.shape[2] - 1) : statistic.mean([1]); // [B, n]
        long chosen = hasCls ? dominant - 1 : dominant;
        if (chosen >= scores.shape[1])
        {
            return double.PositiveInfinity;
        }

        var sorted = scores.sort(1, descending: true).Values;
        var last = sorted.select(1, chosen - 1);
        var gap = (last - sorted.select(1, chosen)) / last.abs();
        return gap.min().item<double>();
    }

    /// <summary>
    /// Smallest gap, over every merged (non-target) token, between its best and second-best cosine similarity to the
    /// targets, from <paramref name="metric"/> [B, N, Dh] and the decisions of <paramref name="result"/>; infinity when
    /// fewer than two targets or nothing is merged.
    /// </summary>
    public static double Assignment(Tensor metric, ZipResult result)
    {
        if (result.ContextualTargets.shape[1] < 2)
        {
            return double.PositiveInfinity;
        }

        using var scope = NewDisposeScope();
        double smallest = double.PositiveInfinity;
        var normed = metric.to(ScalarType.Float64) / metric.to(ScalarType.Float64).norm(-1, keepdim: true);
        for (long b = 0; b < metric.shape[0]; b++)
        {
            var targets = result.ContextualTargets[b].cpu();
            var merged = result.Assignment[b].ge(0).cpu();
            merged.index_put_(zeros(targets.shape[0], ScalarType.Bool), targets);
            var members = merged.nonzero().flatten();
            if (members.shape[0] == 0)
            {
                continue;
            }

            var similarity = normed[b].index_select(0, members).matmul(normed[b].index_select(0, targets).t()); // [m, c]
            var top = similarity.topk(2, 1).values;
            smallest = Math.Min(smallest, (top.select(1, 0) - top.select(1, 1)).min().item<double>());
        }

        return smallest;
    }
}
