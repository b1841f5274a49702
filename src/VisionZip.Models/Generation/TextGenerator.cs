using System.Runtime.CompilerServices;
using VisionZip.Models.Language;

namespace VisionZip.Models.Generation;

/// <summary>
/// Autoregressive generation over an <see cref="ICausalLanguageModel"/>: one prefill forward for the prompt
/// (last-position logits only), then one-token forwards with the KV cache, choosing each token with
/// <see cref="TokenSampler"/> and stopping on end-of-sequence ids, stop strings, the token limit or a full context.
/// </summary>
/// <remarks>
/// Every step computes synchronously and the stream awaits only between steps, so dispose scopes and no_grad never
/// span an await. A generator holds no per-call state and may be reused; calls must not share a cache concurrently.
/// Cancellation is checked before the prefill and between tokens (<see cref="OperationCanceledException"/>).
/// </remarks>
public sealed class TextGenerator
{
    private readonly ICausalLanguageModel _model;
    private readonly Func<IReadOnlyList<int>, string>? _detokenizer;

    /// <summary>Creates a generator.</summary>
    /// <param name="model">The decoder.</param>
    /// <param name="detokenizer">Decodes a sequence's generated ids to text; required for stop strings.</param>
    public TextGenerator(ICausalLanguageModel model, Func<IReadOnlyList<int>, string>? detokenizer = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        _model = model;
        _detokenizer = detokenizer;
    }

    /// <summary>Generates until every sequence stops.</summary>
    /// <param name="prompt">Ids or embeddings.</param>
    /// <param name="options">Sampling, stop rules and limits.</param>
    /// <param name="cache">
    /// A cache to continue (chat sessions): the prompt follows its positions and it is left holding the prompt and
    /// every generated token but the last. Null uses a private cache, freed at the end.
    /// </param>
    /// <param name="cancellationToken">Checked before the prefill and between tokens.</param>
    /// <exception cref="ArgumentException">Invalid options, or stop strings without a detokenizer.</exception>
    /// <exception cref="Errors.ContextFullException">The prompt (after what is cached) is longer than the context.</exception>
    /// <exception cref="Errors.NumericalException">The model produced NaN or infinite logits.</exception>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    public GenerationResult Generate(GenerationPrompt prompt, GenerationOptions options, KvCache? cache = null,
        CancellationToken cancellationToken = default)
    {
        using var run = new GenerationRun(_model, prompt, options, cache, _detokenizer);
        cancellationToken.ThrowIfCancellationRequested();
        run.Prefill();
        while (!run.Done)
        {
            cancellationToken.ThrowIfCancellationRequested();
            run.Decode();
        }

        return run.Result();
    }

    /// <summary>Streams one <see cref="GenerationStep"/> per generated position until every sequence stops.</summary>
    /// <param name="prompt">Ids or embeddings.</param>
    /// <param name="options">Sampling, stop rules and limits.</param>
    /// <param name="cache">As for <see cref="Generate"/>.</param>
    /// <param name="cancellationToken">Checked before the prefill and between tokens.</param>
    /// <exception cref="ArgumentException">Invalid options, or stop strings without a detokenizer (thrown at once).</exception>
    /// <exception cref="Errors.ContextFullException">The prompt is longer than the context (thrown at once).</exception>
    /// <exception cref="Errors.NumericalException">The model produced NaN or infinite logits.</exception>
    /// <exception cref="OperationCanceledException">Cancelled (while enumerating).</exception>
    public IAsyncEnumerable<GenerationStep> StreamAsync(GenerationPrompt prompt, GenerationOptions options, KvCache? cache = null,
        CancellationToken cancellationToken = default)
    {
        var run = new GenerationRun(_model, prompt, options, cache, _detokenizer); // validates eagerly
        return Stream(run, cancellationToken);
    }

    private static async IAsyncEnumerable<GenerationStep> Stream(GenerationRun run, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using (run)
        {
            await Task.Yield(); // compute off the caller's synchronous path
            cancellationToken.ThrowIfCancellationRequested();
            var step = run.Prefill();
            yield return step;
            while (!run.Done)
            {
                await Task.Yield();
                cancellationToken.ThrowIfCancellationRequested();
                yield return run.Decode();
            }
        }
    }
}
