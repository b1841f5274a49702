using TorchSharp;
using static TorchSharp.torch;

namespace VisionZip;

/// <summary>
/// Contextual token merging (paper section 2.3): the tokens that were not kept are grouped around evenly spaced
/// targets by key similarity and each group becomes one token. Batched tensor ops (row gathers, one batched matrix
/// product, index_add for the group sums and counts), no host loops or host round trips. Callers own the dispose scope.
/// On CUDA, index_add sums with atomics, so the last bits of a merged token may vary between runs (indices never do).
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
    /// Tokens [B, contextual, D] in <see cref="AccumulationType"/>, targets [B, contextual] int64 (positions), and the
    /// assignment [B, N] int64
    /// (-1 for tokens outside R, else the group; a target is in its own group).
    /// </returns>
    internal static (Tensor Tokens, Tensor Targets, Tensor Assignment) Merge(Tensor hiddenStates, Tensor metric, Tensor remaining, int contextual)
    {
        long batch = remaining.shape[0];
        long rest = remaining.shape[1];
        var (seqLen, hidden) = (hiddenStates.shape[1], hiddenStates.shape[2]);
        long step = Math.Max(1, rest / contextual);
        var device = hiddenStates.device;

        var slots = torch.arange(0, contextual * step, step, dtype: ScalarType.Int64, device: device);    // [c] indices into R
        var targets = remaining.index_select(1, slots);                                                    // [B, c] positions

        // Similarity of every remaining key to every target key, float32, no epsilon in the normalisation.
        var keys = TensorRows.Take(metric, remaining).to(ScalarType.Float32);                              // [B, M, Dh]
        var normalised = keys / keys.norm(-1, keepdim: true);                                              // [B, M, Dh]
        var similarity = normalised.bmm(normalised.index_select(1, slots).transpose(1, 2));                // [B, M, c]
        var groups = similarity.argmax(-1);                                                                // [B, M], first max
        var targetGroups = torch.arange(contextual, dtype: ScalarType.Int64, device: device).expand(batch, contextual);
        groups.index_copy_(1, slots, targetGroups);                                                        // a target is its own group

        var assignment = torch.full(batch, seqLen, -1L, dtype: ScalarType.Int64, device: device)
            .scatter_(1, remaining, groups);                                                               // [B, N]

        // Sum the members of every group with one index_add over all N rows: a member goes to its group's row,
        // every other token (dominant, target) to a spare row c that is dropped.
        var sumRow = assignment.masked_fill(assignment.lt(0), contextual)
            .scatter_(1, targets, torch.full(batch, contextual, contextual, dtype: ScalarType.Int64, device: device)); // [B, N] in 0..c
        var flatSumRow = TensorRows.FlatIndex(sumRow, contextual + 1);                                     // [B * N]
        var accumulate = AccumulationType(hiddenStates.dtype);
        var states = hiddenStates.reshape(batch * seqLen, hidden).to(accumulate);                          // [B * N, D]
        var sums = torch.zeros(batch * (contextual + 1), hidden, dtype: accumulate, device: device)
            .index_add_(0, flatSumRow, states, 1)
            .view(batch, contextual + 1, hidden).narrow(1, 0, contextual);                                 // [B, c, D]
        var counts = torch.zeros(batch * (contextual + 1), dtype: accumulate, device: device)
            .index_add_(0, flatSumRow, torch.ones(batch * seqLen, dtype: accumulate, device: device), 1)
            .view(batch, contextual + 1, 1).narrow(1, 0, contextual).clamp_min(1);                         // [B, c, 1]

        var targetStates = TensorRows.Take(hiddenStates, targets).to(accumulate);                          // [B, c, D]
        var tokens = targetStates + sums / counts;                                                         // [B, c, D]
        return (tokens, targets, assignment);
    }

    /// <summary>Sums run in float32, or float64 for float64 input (never in half precision).</summary>
    internal static ScalarType AccumulationType(ScalarType input) =>
        input == ScalarType.Float64 ? ScalarType.Float64 : ScalarType.Float32;
}
