using static TorchSharp.torch;

namespace VisionZip;

/// <summary>
/// What a reducer returns: the reduced tokens of every image and a record of where each came from.
/// </summary>
/// <remarks>
/// Owns its tensors. They belong to the dispose scope that was current when the reducer ran (like any TorchSharp result),
/// so an enclosing scope frees them; call <see cref="DetachFromDisposeScope"/> to keep them beyond it. Not thread-safe.
/// </remarks>
public abstract class TokenReduction : IDisposable
{
    private bool _disposed;

    /// <summary>Takes the reduced tokens.</summary>
    /// <param name="tokens">[B, T, D] the reduced tokens.</param>
    /// <param name="inputTokens">N, the tokens per image they were reduced from.</param>
    /// <exception cref="ArgumentNullException"><paramref name="tokens"/> is null.</exception>
    protected TokenReduction(Tensor tokens, int inputTokens)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        Tokens = tokens;
        InputTokens = inputTokens;
    }

    /// <summary>[B, T, D] the reduced tokens, in the dtype of the feature layer, on its device.</summary>
    public Tensor Tokens { get; }

    /// <summary>N: tokens per image before reduction (CLS included).</summary>
    public int InputTokens { get; }

    /// <summary>T: tokens per image after reduction.</summary>
    public int OutputTokens => (int)Tokens.shape[1];

    /// <summary>Number of images (batch rows).</summary>
    public long Batch => Tokens.shape[0];

    /// <summary>[B, k] int64 positions kept unchanged among the outputs (VisionZip's dominant tokens), ascending; null when none are.</summary>
    public virtual Tensor? KeptIndices => null;

    /// <summary>[B, N] float32 per-token score the reducer ranked by, for visualisation; null when it ranks nothing.</summary>
    public virtual Tensor? Scores => null;

    /// <summary>
    /// [B, T, N] bool, a new tensor the caller disposes: element (b, t, n) is true when output token t of image b was
    /// made from input token n (a kept token from itself; a merged or pooled token from each of its members).
    /// </summary>
    public abstract Tensor Membership();

    /// <summary>Detaches every tensor of the result from dispose scopes, so only <see cref="Dispose()"/> frees them.</summary>
    /// <returns>This object.</returns>
    public TokenReduction DetachFromDisposeScope()
    {
        foreach (var tensor in OwnedTensors())
        {
            tensor.DetachFromDisposeScope();
        }

        return this;
    }

    /// <summary>Moves every tensor of the result to the dispose scope above the one that holds it (as a forward's result leaves it).</summary>
    /// <returns>This object.</returns>
    public TokenReduction MoveToOuterDisposeScope()
    {
        foreach (var tensor in OwnedTensors())
        {
            tensor.MoveToOuterDisposeScope();
        }

        return this;
    }

    /// <summary>Disposes every tensor of the result.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        foreach (var tensor in OwnedTensors())
        {
            tensor.Dispose();
        }

        GC.SuppressFinalize(this);
    }

    /// <summary>Every tensor this result owns (<see cref="Tokens"/> first).</summary>
    protected virtual IEnumerable<Tensor> OwnedTensors()
    {
        yield return Tokens;
    }
}
