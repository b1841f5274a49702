using System.Diagnostics;
using VisionZip.Models.Errors;
using VisionZip.Models.Language;
using static TorchSharp.torch;

namespace VisionZip.Models.Generation;

/// <summary>
/// The state of one generation: per-sequence tokens and stop state, the cache, the sampler, timings. Every
/// method is synchronous (dispose scopes and no_grad stay inside one call), so the streaming caller can await
/// between steps.
/// </summary>
internal sealed class GenerationRun : IDisposable
{
    private readonly ICausalLanguageModel _model;
    private readonly GenerationPrompt _prompt;
    private readonly GenerationOptions _options;
    private readonly Func<IReadOnlyList<int>, string>? _detokenizer;
    private readonly KvCache _cache;
    private readonly bool _ownsCache;
    private readonly SeededRandom _random;
    private readonly List<int>[] _generated;
    private readonly HashSet<int>[] _seen;
    private readonly FinishReason?[] _finishReasons;
    private readonly List<float[]>? _stepLogits;
    private readonly Stopwatch _decodeClock = new();
    private TimeSpan _prefillTime;
    private int _decodeSteps;
    private int _vocabSize;
    private int _stepIndex;

    public GenerationRun(ICausalLanguageModel model, GenerationPrompt prompt, GenerationOptions options, KvCache? cache,
        Func<IReadOnlyList<int>, string>? detokenizer)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (options.StopStrings.Count > 0 && detokenizer is null)
        {
            throw new ArgumentException("stop strings need a detokenizer; pass one to the TextGenerator", nameof(options));
        }

        int past = cache?.Length ?? 0;
        if (past + prompt.Length > model.ContextLength)
        {
            throw new ContextFullException(past + prompt.Length, model.ContextLength,
                $"prompt of {prompt.Length} positions (after {past} cached) exceeds the model's context length {model.ContextLength} (max_position_embeddings)");
        }

        _model = model;
        _prompt = prompt;
        _options = options;
        _detokenizer = detokenizer;
        _ownsCache = cache is null;
        _cache = cache ?? model.CreateCache((int)Math.Min(model.ContextLength, (long)past + prompt.Length + options.MaxNewTokens));
        Seed = options.Seed ?? Random.Shared.NextInt64();
        _random = new SeededRandom(Seed);
        int batch = prompt.BatchSize;
        _generated = Enumerable.Range(0, batch).Select(_ => new List<int>()).ToArray();
        _seen = Enumerable.Range(0, batch).Select(row => new HashSet<int>(prompt.TokenIds[row])).ToArray();
        _finishReasons = new FinishReason?[batch];
        _stepLogits = options.ReturnLogits ? [] : null;
    }

    public long Seed { get; }

    /// <summary>True once every sequence has finished.</summary>
    public bool Done => _finishReasons.All(r => r is not null);

    /// <summary>Runs the prompt and chooses the first token of every sequence.</summary>
    public GenerationStep Prefill()
    {
        var clock = Stopwatch.StartNew();
        float[] logits;
        using (var scope = NewDisposeScope())
        {
            var output = _prompt.InputIds is { } ids
                ? _model.Forward(ids, _cache)
                : _model.ForwardEmbeddings(_prompt.InputsEmbeds!, _cache);
            logits = ToHost(output);
        }

        _prefillTime = clock.Elapsed;
        return Choose(logits);
    }

    /// <summary>Feeds the last chosen tokens and chooses the next ones.</summary>
    public GenerationStep Decode()
    {
        if (Done)
        {
            throw new InvalidOperationException("every sequence has finished");
        }

        long[] next = new long[_generated.Length];
        for (int row = 0; row < next.Length; row++)
        {
            next[row] = _generated[row][^1]; // finished rows repeat their last token; their output is ignored
        }

        _decodeClock.Start();
        float[] logits;
        using (var scope = NewDisposeScope())
        {
            var output = _model.Forward(tensor(next, [next.Length, 1]), _cache);
            logits = ToHost(output);
        }

        _decodeClock.Stop();
        _decodeSteps++;
        return Choose(logits);
    }

    public GenerationResult Result() => new(
        _generated.Select(g => (IReadOnlyList<int>)g.ToArray()).ToArray(),
        _finishReasons.Select(r => r ?? FinishReason.MaxNewTokens).ToArray(),
        _stepLogits, _vocabSize, _prompt.Length, Seed, _prefillTime, _decodeClock.Elapsed, _decodeSteps);

    private float[] ToHost(Tensor logits)
    {
        if (logits.dim() != 2 || logits.shape[0] != _generated.Length)
        {
            throw new InvalidOperationException(
                $"the model returned logits [{string.Join(", ", logits.shape)}], expected [{_generated.Length}, vocab]");
        }

        _vocabSize = (int)logits.shape[1];
        return logits.to(ScalarType.Float32).cpu().data<float>().ToArray();
    }

    private GenerationStep Choose(float[] logits)
    {
        _stepLogits?.Add(logits);
        int batch = _generated.Length;
        int[] tokens = new int[batch];
        var finishedNow = new FinishReason?[batch];
        float[] row = new float[_vocabSize];
        for (int b = 0; b < batch; b++)
        {
            if (_finishReasons[b] is not null)
            {
                tokens[b] = GenerationStep.NoToken;
                continue;
            }

            Array.Copy(logits, b * _vocabSize, row, 0, _vocabSize);
            RequireUsable(row, b);
            int token = TokenSampler.Choose(row, _options, _seen[b], _random);
            tokens[b] = token;
            _generated[b].Add(token);
            _seen[b].Add(token);
            finishedNow[b] = StopReason(b, token);
            _finishReasons[b] = finishedNow[b];
        }

        if (!Done && _cache.Length + 1 > _model.ContextLength)
        {
            for (int b = 0; b < batch; b++)
            {
                if (_finishReasons[b] is null)
                {
                    finishedNow[b] = _finishReasons[b] = FinishReason.ContextFull;
                }
            }
        }

        return new GenerationStep(_stepIndex++, tokens, finishedNow, _options.ReturnLogits ? logits : null, _prefillTime, _decodeClock.Elapsed);
    }

    // NaN or +inf anywhere, or no finite value at all, means the model is broken (NaN weights, a dtype overflow);
    // sampling from it would emit token 0 (or garbage) forever. -inf alone is a legitimate "never this token".
    private void RequireUsable(float[] row, int sequence)
    {
        int nan = 0, positiveInfinity = 0;
        bool anyFinite = false;
        foreach (float value in row)
        {
            if (float.IsNaN(value))
            {
                nan++;
            }
            else if (float.IsPositiveInfinity(value))
            {
                positiveInfinity++;
            }
            else if (!float.IsNegativeInfinity(value))
            {
                anyFinite = true;
            }
        }

        if (nan > 0 || positiveInfinity > 0 || !anyFinite)
        {
            string where = _stepIndex == 0 ? "after the prefill" : $"at decode step {_stepIndex}";
            throw new NumericalException(
                $"the language model produced unusable logits {where} (sequence {sequence}): {nan} NaN, {positiveInfinity} +inf of " +
                $"{row.Length}{(anyFinite ? "" : ", no finite value")}; its weights hold non-finite values or the dtype overflows (try float32)");
        }
    }

    private FinishReason? StopReason(int row, int token)
    {
        if (_options.EosTokenIds.Contains(token))
        {
            return FinishReason.EndOfSequence;
        }

        if (_options.StopStrings.Count > 0)
        {
            string text = _detokenizer!(_generated[row]);
            if (_options.StopStrings.Any(stop => text.Contains(stop, StringComparison.Ordinal)))
            {
                return FinishReason.StopString;
            }
        }

        return _generated[row].Count >= _options.MaxNewTokens ? FinishReason.MaxNewTokens : null;
    }

    public void Dispose()
    {
        if (_ownsCache)
        {
            _cache.Dispose();
        }
    }
}
