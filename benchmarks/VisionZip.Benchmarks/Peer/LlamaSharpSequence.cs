using LLama;
using LLama.Native;

namespace VisionZip.Benchmarks.Peer;

/// <summary>One sequence in its own llama.cpp context: a prefill, then greedy steps.</summary>
public sealed class LlamaSharpSequence : IDisposable
{
    private readonly LLamaContext _context;
    private readonly LLamaBatch _batch = new();
    private readonly int _vocabulary;
    private int _position;

    internal LlamaSharpSequence(LLamaContext context, int vocabulary)
    {
        _context = context;
        _vocabulary = vocabulary;
    }

    /// <summary>Positions in the KV cache.</summary>
    public int Length => _position;

    /// <summary>
    /// Runs <paramref name="tokens"/> in one decode call and returns the logits of the last one, or of every one when
    /// <paramref name="allLogits"/> ([tokens x vocabulary], row-major).
    /// </summary>
    public float[] Prefill(IReadOnlyList<int> tokens, bool allLogits = false)
    {
        _batch.Clear();
        for (int i = 0; i < tokens.Count; i++)
        {
            _batch.Add(tokens[i], _position + i, LLamaSeqId.Zero, allLogits || i == tokens.Count - 1);
        }

        Decode();
        _position += tokens.Count;
        int first = allLogits ? 0 : tokens.Count - 1;
        var logits = new float[(tokens.Count - first) * _vocabulary];
        for (int i = first; i < tokens.Count; i++)
        {
            _context.NativeHandle.GetLogitsIth(i).CopyTo(logits.AsSpan((i - first) * _vocabulary, _vocabulary));
        }

        return logits;
    }

    /// <summary>One decode step of <paramref name="token"/>; returns the greedy next token.</summary>
    public int Step(int token)
    {
        StepOnly(token);
        return ArgMax(_context.NativeHandle.GetLogitsIth(0));
    }

    /// <summary>One decode step of <paramref name="token"/>; returns a copy of its logits.</summary>
    public float[] StepLogits(int token)
    {
        StepOnly(token);
        return _context.NativeHandle.GetLogitsIth(0).ToArray();
    }

    /// <summary>Index of the largest value (the first on ties).</summary>
    public static int ArgMax(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++)
        {
            if (values[i] > values[best])
            {
                best = i;
            }
        }

        return best;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _context.Dispose();
    }

    private void StepOnly(int token)
    {
        _batch.Clear();
        _batch.Add(token, _position, LLamaSeqId.Zero, true);
        Decode();
        _position++;
    }

    private void Decode()
    {
        var result = _context.Decode(_batch);
        if (result != DecodeResult.Ok)
        {
            throw new InvalidOperationException($"llama_decode returned {result} for {_batch.TokenCount} tokens at position {_position}");
        }

        _context.NativeHandle.Synchronize();
    }
}
