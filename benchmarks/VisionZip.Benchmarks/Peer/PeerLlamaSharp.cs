using System.Diagnostics;

namespace VisionZip.Benchmarks.Peer;

/// <summary>
/// LLamaSharp's side: the vanilla LLaVA-1.5 prompt length (text + 576 visual positions, as token ids: this side has no
/// CLIP encoder) prefilled in one call, then greedy steps with end-of-sequence ignored; and, in a fresh context, a
/// prefill of the VisionZip-length prompt.
/// </summary>
public sealed class PeerLlamaSharp(string ggufPath, int longPrompt, int shortPrompt, int vocabulary, int decodeTokens, int threads) : IDisposable
{
    private readonly LlamaSharpModel _model = new(ggufPath, longPrompt + decodeTokens + 8, threads);
    private readonly int[] _long = PeerPrompt.Ids(longPrompt, vocabulary);
    private readonly int[] _short = PeerPrompt.Ids(shortPrompt, vocabulary);

    /// <summary>Bytes of the GGUF file.</summary>
    public long FileBytes => new FileInfo(ggufPath).Length;

    /// <summary>One answer and one short prefill.</summary>
    public PeerSample Run()
    {
        double prefill;
        double decode;
        using (var sequence = _model.Start())
        {
            long start = Stopwatch.GetTimestamp();
            int next = LlamaSharpSequence.ArgMax(sequence.Prefill(_long));
            prefill = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            start = Stopwatch.GetTimestamp();
            for (int i = 0; i < decodeTokens; i++)
            {
                next = sequence.Step(next);
            }

            decode = Stopwatch.GetElapsedTime(start).TotalMilliseconds / Math.Max(1, decodeTokens);
        }

        double shortPrefill;
        using (var sequence = _model.Start())
        {
            long start = Stopwatch.GetTimestamp();
            LlamaSharpSequence.ArgMax(sequence.Prefill(_short));
            shortPrefill = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }

        return new PeerSample(576, _long.Length, 0, prefill, decode, shortPrefill);
    }

    /// <summary>
    /// Bytes a decode step reads from the weights: every tensor but <c>token_embd</c> (one row of it is read), from the
    /// file's own offsets (quantised blocks included).
    /// </summary>
    public long WeightBytesPerStep()
    {
        var reader = GgufReader.Open(ggufPath);
        var ordered = reader.Tensors.OrderBy(t => t.Offset).ToList();
        long total = 0;
        for (int i = 0; i < ordered.Count; i++)
        {
            long end = i + 1 < ordered.Count ? ordered[i + 1].Offset : FileBytes;
            if (ordered[i].Name != "token_embd.weight")
            {
                total += end - ordered[i].Offset;
            }
        }

        return total;
    }

    /// <inheritdoc />
    public void Dispose() => _model.Dispose();
}
