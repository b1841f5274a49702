using TorchSharp;
using static TorchSharp.torch;

namespace VisionZip;

/// <summary>
/// Contextual token merging (paper section 2.3): the tokens that were not kept are grouped around evenly spaced
/// targets by key similarity and each group becomes one token. Batched with gathers and one-hot matrix products,
/// no host loops. Callers own the dispose scope.
/// </summary>
internal static class ContextualMerger
{
    /// <summary>
    /// Merges the remaining tokens R (ascending positions, M = |R|) into <paramref name="contextual"/> tokens:
    /// step = max(1, M / contextual); targets are R[0], R[step], ... (the first <paramref name="contextual"/>);
    /// every other token of R joins the target whose L2-normalised key has the largest dot product with its own
    /// (first on ties); token t = X[t] + mean of X over its members (X[t] alone when it has none).
    /// </summary>
    /// <param name="hiddenStates">X, [B, N, D].</param>
    /// <param name="metric">Keys averaged over heads, [B, N, head_dim].</param>
    /// <param name="remaining">R, [B, M] int64 ascending.</param>
    /// <param name="contextual">Number of contextual tokens, 1..M.</param>
    /// <returns>
    /// Tokens [B, contextual, D] float32, targets [B, contextual] int64 (positions), and the group of every element
    /// of R, [B, M] int64 (a target is in its own group).
    /// </returns>
    internal static (Tensor Tokens, Tensor Targets, Tensor Groups) Merge(Tensor hiddenStates, Tensor metric, Tensor remaining, int contextual)
    {
        long batch = remaining.shape[0];
        long rest = remaining.shape[1];
        long headDim = metric.shape[2];
        long hidden = hiddenStates.shape[2];
        long step = Math.Max(1, rest / contextual);
        var device = hiddenStates.device;

        var slots = torch.arange(0, contextual * step, step, dtype: ScalarType.Int64, device: device);    // [c] indices into R
        var groupIds = torch.arange(contextual, dtype: ScalarType.Int64, device: device);                  // [c]

        // Similarity of every remaining key to every target key, float32.
        var keys = metric.gather(1, remaining.unsqueeze(-1).expand(batch, rest, headDim))
            .to(ScalarType.Float32);                                                                        // [B, M, Dh]
        var normalised = keys / keys.norm(-1, keepdim: true);                                              // [B, M, Dh]
        var targetKeys = normalised.index_select(1, slots);                                                // [B, c, Dh]
        var similarity = normalised.bmm(targetKeys.transpose(1, 2));                                       // [B, M, c]

        var groups = similarity.argmax(-1);                                                                // [B, M]
        var slotIndex = slots.unsqueeze(0).expand(batch, contextual);                                      // [B, c]
        groups.scatter_(1, slotIndex, groupIds.unsqueeze(0).expand(batch, contextual));                   // targets: own group
        var targets = remaining.index_select(1, slots);                                                    // [B, c] positions

        // One-hot membership of the non-target tokens (targets get the group id c, which matches no row).
        var memberGroups = groups.scatter(1, slotIndex, torch.full(batch, contextual, contextual, dtype: ScalarType.Int64, device: device));
        var members = groupIds.view(1, contextual, 1).eq(memberGroups.unsqueeze(1)).to(ScalarType.Float32); // [B, c, M]
        var counts = members.sum(-1, keepdim: true).clamp_min(1);                                          // [B, c, 1]

        var remainingStates = hiddenStates.gather(1, remaining.unsqueeze(-1).expand(batch, rest, hidden))
            .to(ScalarType.Float32);                                                                        // [B, M, D]
        var targetStates = remainingStates.index_select(1, slots);                                         // [B, c, D]
        var tokens = targetStates + members.bmm(remainingStates) / counts;                                 // [B, c, D]
        return (tokens, targets, groups);
    }
}
