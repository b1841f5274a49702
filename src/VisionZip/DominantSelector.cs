using TorchSharp;
using static TorchSharp.torch;

namespace VisionZip;

/// <summary>
/// Dominant token selection (paper section 2.2 and appendix A.2): rank tokens by the attention they get and keep the
/// top ones. Callers own the dispose scope; every tensor made here belongs to it.
/// </summary>
internal static class DominantSelector
{
    /// <summary>
    /// The dominant score per token, [B, N] float32.
    /// With CLS: the CLS query row summed over heads, sum_h A[b, h, 0, j] (column 0 is CLS attending to itself and is
    /// never ranked). Without CLS: mean over heads of the mean over queries, mean_h mean_i A[b, h, i, j].
    /// </summary>
    /// <param name="attention">[B, H, N, N] probabilities, [B, H, N] the per-head statistic, or [B, N] already reduced.</param>
    /// <param name="hasCls">Whether token 0 is a CLS token.</param>
    internal static Tensor Scores(Tensor attention, bool hasCls)
    {
        return attention.dim() switch
        {
            4 when hasCls => attention.select(2, 0).sum(1, type: ScalarType.Float32),          // [B, H, N] -> [B, N]
            4 => attention.mean([2], type: ScalarType.Float32).mean([1]),                        // [B, H, N] -> [B, N]
            3 when hasCls => attention.sum(1, type: ScalarType.Float32),                         // [B, N]
            3 => attention.mean([1], type: ScalarType.Float32),                                  // [B, N]
            _ => attention.to(ScalarType.Float32),                                               // [B, N]
        };
    }

    /// <summary>
    /// Positions of the <paramref name="dominant"/> highest-scoring tokens, [B, dominant] int64, in no particular
    /// order. With CLS, position 0 plus the top <c>dominant - 1</c> patches (positions 1..N-1).
    /// </summary>
    internal static Tensor Select(Tensor scores, int dominant, bool hasCls)
    {
        if (!hasCls)
        {
            return scores.topk(dominant, dim: 1).indexes;                                        // [B, d]
        }

        long batch = scores.shape[0];
        long patches = scores.shape[1] - 1;
        var patchTop = scores.narrow(1, 1, patches).topk(dominant - 1, dim: 1).indexes + 1;  // [B, d-1]
        var cls = torch.zeros(batch, 1, dtype: ScalarType.Int64, device: scores.device);          // [B, 1]
        return torch.cat([cls, patchTop], 1);                                                    // [B, d]
    }

    /// <summary>
    /// Splits the positions 0..N-1 into the kept ones and the rest, both ascending, with one sort and no host
    /// round trip: kept positions get the key p + N, the others p, so sorted keys list the remaining positions
    /// first, then the kept ones shifted by N.
    /// </summary>
    /// <param name="selected">[B, d] kept positions in any order (distinct).</param>
    /// <param name="seqLen">N.</param>
    /// <returns>kept [B, d] and remaining [B, N - d], int64, ascending.</returns>
    internal static (Tensor Kept, Tensor Remaining) Partition(Tensor selected, long seqLen)
    {
        long batch = selected.shape[0];
        long dominant = selected.shape[1];
        var keys = torch.arange(seqLen, dtype: ScalarType.Int64, device: selected.device)
            .unsqueeze(0).repeat(batch, 1);                                                      // [B, N]
        keys.scatter_(1, selected, selected + seqLen);
        var sorted = keys.sort(1).Values;                                                        // [B, N]
        var remaining = sorted.narrow(1, 0, seqLen - dominant);                                  // [B, M]
        var kept = sorted.narrow(1, seqLen - dominant, dominant) - seqLen;                       // [B, d]
        return (kept, remaining.contiguous());
    }
}
