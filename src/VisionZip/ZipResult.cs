using TorchSharp;
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
public sealed class ZipResult : TokenReduction
{
    private readonly Tensor _keptIndices;
    private readonly Tensor _scores;

    internal ZipResult(ZipBudget budget, bool hasCls, Tensor tokens, Tensor keptIndices, Tensor contextualTargets,
        Tensor assignment, Tensor scores)
        : base(tokens, (int)assignment.shape[1])
    {
        Budget = budget;
        HasCls = hasCls;
        _keptIndices = keptIndices;
        ContextualTargets = contextualTargets;
        Assignment = assignment;
        _scores = scores;
    }

    /// <summary>The budget the tokens were zipped to.</summary>
    public ZipBudget Budget { get; }

    /// <summary>True when token 0 is a CLS token (CLIP): it is always kept and counts as a dominant token.</summary>
    public bool HasCls { get; }

    /// <summary>[B, dominant] int64: positions of the dominant tokens, ascending (0 = CLS first when present).</summary>
    /// <remarks><see cref="TokenReduction.Tokens"/> [B, dominant + contextual, D] holds the dominant tokens in this order,
    /// then the contextual tokens in target order.</remarks>
    public override Tensor KeptIndices => _keptIndices;

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
    public override Tensor Scores => _scores;

    /// <summary>
    /// [B, dominant + contextual, N] bool: dominant output i drew from input <c>KeptIndices[b, i]</c>; contextual output
    /// <c>dominant + g</c> from every input whose <see cref="Assignment"/> is g (its target included).
    /// </summary>
    public override Tensor Membership()
    {
        using var scope = torch.NewDisposeScope();
        long seqLen = Assignment.shape[1];
        var dominant = torch.nn.functional.one_hot(_keptIndices, seqLen).to(ScalarType.Bool);                   // [B, d, N]
        var groups = torch.arange(Budget.Contextual, dtype: ScalarType.Int64, device: Assignment.device).view(1, -1, 1);
        var contextual = Assignment.unsqueeze(1).eq(groups);                                                      // [B, c, N]
        return torch.cat([dominant, contextual], 1).MoveToOuterDisposeScope();                                  // [B, d + c, N]
    }

    /// <inheritdoc />
    protected override IEnumerable<Tensor> OwnedTensors() => [Tokens, _keptIndices, ContextualTargets, Assignment, _scores];
}
