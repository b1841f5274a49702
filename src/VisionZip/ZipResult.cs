using static TorchSharp.torch;

namespace VisionZip;

/// <summary>
/// What <see cref="VisionZipper.Zip"/> returns: the reduced tokens and the decisions that produced them.
/// </summary>
/// <remarks>
/// The result owns its five tensors; dispose it (or move the tensors elsewhere) when done. The tensors were moved to
/// the dispose scope that was current when <see cref="VisionZipper.Zip"/> was called, so an enclosing scope also
/// frees them. Not thread-safe.
/// </remarks>
public sealed class ZipResult : IDisposable
{
    internal ZipResult(ZipBudget budget, bool hasCls, Tensor tokens, Tensor keptIndices, Tensor contextualTargets,
        Tensor assignment, Tensor scores)
    {
        Budget = budget;
        HasCls = hasCls;
        Tokens = tokens;
        KeptIndices = keptIndices;
        ContextualTargets = contextualTargets;
        Assignment = assignment;
        Scores = scores;
    }

    /// <summary>The budget the tokens were zipped to.</summary>
    public ZipBudget Budget { get; }

    /// <summary>True when token 0 is a CLS token (CLIP): it is always kept and counts as a dominant token.</summary>
    public bool HasCls { get; }

    /// <summary>
    /// [B, dominant + contextual, D] in the input dtype: the dominant tokens in ascending position order, then the
    /// contextual tokens in target order.
    /// </summary>
    public Tensor Tokens { get; }

    /// <summary>[B, dominant] int64: positions of the dominant tokens, ascending (0 = CLS first when present).</summary>
    public Tensor KeptIndices { get; }

    /// <summary>[B, contextual] int64: positions of the contextual targets, in target order; [B, 0] when none.</summary>
    public Tensor ContextualTargets { get; }

    /// <summary>
    /// [B, N] int64 per token position: -1 for a dominant token (and for every token when contextual = 0), else the
    /// index of its contextual group (a target belongs to its own group).
    /// </summary>
    public Tensor Assignment { get; }

    /// <summary>
    /// [B, N] float32 dominant score per token: with CLS the CLS-query attention summed over heads (NaN at position 0,
    /// which is kept regardless); without CLS the attention received, averaged over heads and queries; a [B, N]
    /// attention argument is passed through as given. For visualisation; selection uses only the ranking.
    /// </summary>
    public Tensor Scores { get; }

    /// <summary>Number of images (batch rows).</summary>
    public long Batch => Tokens.shape[0];

    /// <summary>Disposes the five tensors.</summary>
    public void Dispose()
    {
        Tokens.Dispose();
        KeptIndices.Dispose();
        ContextualTargets.Dispose();
        Assignment.Dispose();
        Scores.Dispose();
    }
}
