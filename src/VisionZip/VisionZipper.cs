using TorchSharp;
using static TorchSharp.torch;

namespace VisionZip;

/// <summary>
/// VisionZip (CVPR 2025) token reduction: keep the dominant visual tokens by attention and merge the rest into a few
/// contextual tokens. Text-agnostic; runs once per image between the vision encoder and the projector.
/// </summary>
/// <remarks>
/// Stateless and thread-safe (dispose scopes are per thread). Scores and similarities are computed in float32 and
/// merged tokens are summed in float32 (float64 for float64 input); the tokens come back in the dtype of
/// <c>hiddenStates</c>, on its device. No host loops and no host round trips; every intermediate tensor is freed
/// before returning.
/// </remarks>
public static class VisionZipper
{
    /// <summary>
    /// Zips the tokens of one encoder layer (the LLaVA feature layer) to <paramref name="budget"/>.
    /// </summary>
    /// <param name="hiddenStates">[B, N, D] float: the OUTPUT of the feature layer (N includes CLS when present).</param>
    /// <param name="attention">
    /// Float, the attention of that layer in one of three forms: [B, H, N, N] the full probabilities; [B, H, N] the
    /// statistic (with CLS the CLS query row <c>A[:, :, 0, :]</c>, without CLS the attention received per head,
    /// averaged over queries <c>A.mean(2)</c>); or [B, N] a score already reduced over heads (larger = more dominant).
    /// </param>
    /// <param name="metric">[B, N, head_dim] float: the layer's keys averaged over heads (before scaling).</param>
    /// <param name="budget">Dominant (counting CLS) and contextual token counts.</param>
    /// <param name="hasCls">True for CLS encoders (CLIP): token 0 is always kept and is one of the dominant tokens.</param>
    /// <returns>The zipped tokens and the selection; the caller disposes it.</returns>
    /// <exception cref="ArgumentNullException">A tensor is null.</exception>
    /// <exception cref="ArgumentException">
    /// A tensor has the wrong rank, a shape that does not match <paramref name="hiddenStates"/>, a non-floating dtype or
    /// another device; or the budget is impossible (dominant below 1, below 2 with CLS; negative contextual; dominant +
    /// contextual more than N).
    /// </exception>
    public static ZipResult Zip(Tensor hiddenStates, Tensor attention, Tensor metric, ZipBudget budget, bool hasCls)
    {
        var (batch, seqLen, _) = ZipArguments.Validate(hiddenStates, attention, metric, budget, hasCls);
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();

        var scores = DominantSelector.Scores(attention, hasCls);                                   // [B, N] float32
        var selected = DominantSelector.Select(scores, budget.Dominant, hasCls);                   // [B, d]
        var (kept, remaining) = DominantSelector.Partition(selected, seqLen);                      // [B, d], [B, M]

        var dominantTokens = TensorRows.Take(hiddenStates, kept);                                   // [B, d, D]

        Tensor tokens;
        Tensor targets;
        Tensor assignment;
        if (budget.Contextual == 0)
        {
            tokens = dominantTokens;
            targets = torch.empty(batch, 0, dtype: ScalarType.Int64, device: hiddenStates.device);  // [B, 0]
            assignment = torch.full(batch, seqLen, -1L, dtype: ScalarType.Int64, device: hiddenStates.device); // [B, N]
        }
        else
        {
            var (contextualTokens, contextualTargets, contextualAssignment) =
                ContextualMerger.Merge(hiddenStates, metric, remaining, budget.Contextual);         // [B, c, D] float32/64
            tokens = torch.cat([dominantTokens, contextualTokens.to(hiddenStates.dtype)], 1);      // [B, d + c, D]
            targets = contextualTargets;
            assignment = contextualAssignment;
        }

        // Scores must not alias the caller's attention: index_fill / clone always copy.
        var exposedScores = hasCls
            ? scores.index_fill(1, torch.zeros(1, dtype: ScalarType.Int64, device: scores.device), float.NaN)
            : scores.clone();

        return new ZipResult(
            budget,
            hasCls,
            tokens.MoveToOuterDisposeScope(),
            kept.MoveToOuterDisposeScope(),
            targets.MoveToOuterDisposeScope(),
            assignment.MoveToOuterDisposeScope(),
            exposedScores.MoveToOuterDisposeScope());
    }
}
