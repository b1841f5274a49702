using static TorchSharp.torch;

namespace VisionZip.Models.Generation;

/// <summary>
/// What generation starts from: token ids [B, T], or input embeddings [B, T, hidden] (a multimodal pipeline's
/// merged sequence) with, optionally, the ids they stand for (for the repetition penalty). The caller keeps
/// ownership of the tensors.
/// </summary>
public sealed class GenerationPrompt
{
    private GenerationPrompt(Tensor? inputIds, Tensor? inputsEmbeds, IReadOnlyList<IReadOnlyList<int>> tokenIds)
    {
        InputIds = inputIds;
        InputsEmbeds = inputsEmbeds;
        TokenIds = tokenIds;
    }

    /// <summary>Token ids [B, T], or null for an embeddings prompt.</summary>
    public Tensor? InputIds { get; }

    /// <summary>Input embeddings [B, T, hidden], or null for an ids prompt.</summary>
    public Tensor? InputsEmbeds { get; }

    /// <summary>Per row, the prompt ids the repetition penalty counts as seen (may be empty for embeddings).</summary>
    public IReadOnlyList<IReadOnlyList<int>> TokenIds { get; }

    /// <summary>Batch size.</summary>
    public int BatchSize => (int)(InputIds ?? InputsEmbeds)!.shape[0];

    /// <summary>Prompt length T.</summary>
    public int Length => (int)(InputIds ?? InputsEmbeds)!.shape[1];

    /// <summary>A prompt of token ids.</summary>
    /// <param name="inputIds">[B, T] int64 or int32, T at least 1.</param>
    /// <exception cref="ArgumentException">Wrong rank, dtype or an empty prompt.</exception>
    public static GenerationPrompt FromIds(Tensor inputIds)
    {
        ArgumentNullException.ThrowIfNull(inputIds);
        if (inputIds.dim() != 2 || inputIds.shape[0] == 0 || inputIds.shape[1] == 0 ||
            inputIds.dtype is not (ScalarType.Int64 or ScalarType.Int32))
        {
            throw new ArgumentException(
                $"inputIds must be [B >= 1, T >= 1] int64, got [{string.Join(", ", inputIds.shape)}] {inputIds.dtype}", nameof(inputIds));
        }

        long[] flat;
        using (var scope = NewDisposeScope())
        {
            flat = inputIds.to(ScalarType.Int64).cpu().data<long>().ToArray();
        }

        int length = (int)inputIds.shape[1];
        var rows = new List<IReadOnlyList<int>>();
        for (int row = 0; row < inputIds.shape[0]; row++)
        {
            rows.Add(flat.Skip(row * length).Take(length).Select(id => checked((int)id)).ToArray());
        }

        return new GenerationPrompt(inputIds, null, rows);
    }

    /// <summary>A prompt of input embeddings.</summary>
    /// <param name="inputsEmbeds">[B, T, hidden], T at least 1.</param>
    /// <param name="tokenIds">Per row, ids seen in the prompt (text ids; image rows have none); null = none.</param>
    /// <exception cref="ArgumentException">Wrong rank, an empty prompt, or a token-id list per row that does not match B.</exception>
    public static GenerationPrompt FromEmbeddings(Tensor inputsEmbeds, IReadOnlyList<IReadOnlyList<int>>? tokenIds = null)
    {
        ArgumentNullException.ThrowIfNull(inputsEmbeds);
        if (inputsEmbeds.dim() != 3 || inputsEmbeds.shape[0] == 0 || inputsEmbeds.shape[1] == 0)
        {
            throw new ArgumentException(
                $"inputsEmbeds must be [B >= 1, T >= 1, hidden], got [{string.Join(", ", inputsEmbeds.shape)}]", nameof(inputsEmbeds));
        }

        int batch = (int)inputsEmbeds.shape[0];
        if (tokenIds is not null && tokenIds.Count != batch)
        {
            throw new ArgumentException($"tokenIds has {tokenIds.Count} rows, inputsEmbeds has batch {batch}", nameof(tokenIds));
        }

        return new GenerationPrompt(null, inputsEmbeds, tokenIds ?? Enumerable.Repeat<IReadOnlyList<int>>([], batch).ToList());
    }
}
