using VisionZip.Models.Generation;
using VisionZip.Models.Language;
using VisionZip.Models.Tokenization;

namespace VisionZip.Cli.Pipelines;

/// <summary>One generation followed step by step: tokens, per-step logits, timings and the cache size at the end.</summary>
internal sealed class GenerationTrace
{
    private GenerationTrace(List<int> tokens, List<float[]> stepLogits, TimeSpan prefill, TimeSpan decode, int decodeSteps,
        FinishReason reason, long seed, long kvCacheBytes)
    {
        Tokens = tokens;
        StepLogits = stepLogits;
        PrefillTime = prefill;
        DecodeTime = decode;
        DecodeSteps = decodeSteps;
        FinishReason = reason;
        Seed = seed;
        KvCacheBytes = kvCacheBytes;
    }

    /// <summary>Generated ids.</summary>
    public IReadOnlyList<int> Tokens { get; }

    /// <summary>Logits that chose each token (step 0 = the prompt's last position); empty unless requested.</summary>
    public IReadOnlyList<float[]> StepLogits { get; }

    /// <summary>Prompt forward time.</summary>
    public TimeSpan PrefillTime { get; }

    /// <summary>Time of the one-token forwards.</summary>
    public TimeSpan DecodeTime { get; }

    /// <summary>Number of one-token forwards.</summary>
    public int DecodeSteps { get; }

    /// <summary>Why the run stopped.</summary>
    public FinishReason FinishReason { get; }

    /// <summary>Seed of the sampler.</summary>
    public long Seed { get; }

    /// <summary>Bytes of keys and values held in the cache (used positions).</summary>
    public long KvCacheBytes { get; }

    /// <summary>Decode tokens per second (0 without decode steps).</summary>
    public double DecodeTokensPerSecond => DecodeSteps == 0 || DecodeTime <= TimeSpan.Zero ? 0 : DecodeSteps / DecodeTime.TotalSeconds;

    /// <summary>The finish reason in snake_case.</summary>
    public string FinishReasonName => FinishReason switch
    {
        FinishReason.EndOfSequence => "eos",
        FinishReason.StopString => "stop_string",
        FinishReason.ContextFull => "context_full",
        _ => "max_new_tokens",
    };

    /// <summary>Runs generation for one sequence, handing every token to <paramref name="onToken"/> as it is chosen.</summary>
    public static GenerationTrace Run(ICausalLanguageModel model, ITextTokenizer? tokenizer, GenerationPrompt prompt, GenerationOptions options,
        KvCache cache, Action<int> onToken)
    {
        Func<IReadOnlyList<int>, string>? detokenizer = tokenizer is null ? null : ids => tokenizer.Decode(ids, skipSpecialTokens: true);
        var generator = new TextGenerator(model, detokenizer);
        var tokens = new List<int>();
        var logits = new List<float[]>();
        TimeSpan prefill = TimeSpan.Zero, decode = TimeSpan.Zero;
        int steps = 0;
        FinishReason reason = FinishReason.MaxNewTokens;
        IAsyncEnumerator<GenerationStep> stream = generator.StreamAsync(prompt, options, cache).GetAsyncEnumerator();
        try
        {
            // The stream computes each step synchronously and only yields between steps; a console app has no
            // synchronisation context, so blocking here is safe.
            while (stream.MoveNextAsync().AsTask().GetAwaiter().GetResult())
            {
                GenerationStep step = stream.Current;
                steps++;
                prefill = step.PrefillTime;
                decode = step.DecodeTime;
                if (step.Logits is { } stepLogits)
                {
                    logits.Add(stepLogits);
                }

                if (step.Token != GenerationStep.NoToken)
                {
                    tokens.Add(step.Token);
                    onToken(step.Token);
                }

                if (step.Finished[0] is FinishReason finished)
                {
                    reason = finished;
                }
            }
        }
        finally
        {
            stream.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }

        long bytes = cache.Capacity == 0 ? 0 : cache.SizeInBytes * cache.Length / cache.Capacity;
        return new GenerationTrace(tokens, logits, prefill, decode, Math.Max(0, steps - 1), reason, options.Seed ?? 0, bytes);
    }
}
