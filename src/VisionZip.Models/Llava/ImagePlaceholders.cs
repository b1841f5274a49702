namespace VisionZip.Models.Llava;

/// <summary>
/// Where every image's visual tokens go in a prompt. A prompt may carry ONE <c>&lt;image&gt;</c> id per image
/// (the original LLaVA form) or the id repeated once per visual token in a consecutive run (what newer Hugging Face
/// processors write); both resolve to the same expanded sequence.
/// </summary>
/// <remarks>Immutable.</remarks>
public sealed class ImagePlaceholders
{
    private ImagePlaceholders(long[] expandedIds, IReadOnlyList<(int Start, int Length)> spans, bool inputWasExpanded)
    {
        ExpandedIds = expandedIds;
        Spans = spans;
        InputWasExpanded = inputWasExpanded;
    }

    /// <summary>The prompt with every image's placeholder repeated once per visual token; its length is the LLM sequence length.</summary>
    public IReadOnlyList<long> ExpandedIds { get; }

    /// <summary>Per image, in order: the first position and the number of rows it occupies in <see cref="ExpandedIds"/>.</summary>
    public IReadOnlyList<(int Start, int Length)> Spans { get; }

    /// <summary>True when the input already held one placeholder per visual token.</summary>
    public bool InputWasExpanded { get; }

    /// <summary>Length of the merged sequence (text tokens plus visual tokens).</summary>
    public int Length => ExpandedIds.Count;

    /// <summary>Finds the placeholders of <paramref name="tokensPerImage"/>.Count images in a prompt.</summary>
    /// <param name="inputIds">The prompt's token ids.</param>
    /// <param name="tokensPerImage">Visual tokens of each image, in prompt order.</param>
    /// <param name="imageTokenId">The id of <c>&lt;image&gt;</c> (config <c>image_token_index</c>).</param>
    /// <exception cref="ArgumentException">
    /// The number of placeholders is neither the number of images nor their total visual tokens, or an image's
    /// placeholders in the expanded form are not one consecutive run of its token count.
    /// </exception>
    public static ImagePlaceholders Locate(IReadOnlyList<long> inputIds, IReadOnlyList<int> tokensPerImage, long imageTokenId)
    {
        ArgumentNullException.ThrowIfNull(inputIds);
        ArgumentNullException.ThrowIfNull(tokensPerImage);
        for (int i = 0; i < tokensPerImage.Count; i++)
        {
            if (tokensPerImage[i] < 1)
            {
                throw new ArgumentException($"image {i} has {tokensPerImage[i]} visual tokens; expected at least 1", nameof(tokensPerImage));
            }
        }

        var positions = new List<int>();
        for (int t = 0; t < inputIds.Count; t++)
        {
            if (inputIds[t] == imageTokenId)
            {
                positions.Add(t);
            }
        }

        int images = tokensPerImage.Count;
        long totalTokens = tokensPerImage.Sum(k => (long)k);
        if (positions.Count == images)
        {
            return Expand(inputIds, positions, tokensPerImage, imageTokenId, inputWasExpanded: images > 0 && totalTokens == images);
        }

        if (positions.Count != totalTokens)
        {
            throw new ArgumentException(
                $"input_ids hold {positions.Count} <image> placeholder tokens (id {imageTokenId}) in runs {DescribeRuns(positions)}, " +
                $"but {images} image(s) with {DescribeCounts(tokensPerImage)} visual tokens were given: expected {images} " +
                $"(one placeholder per image) or {totalTokens} (one per visual token)", nameof(inputIds));
        }

        var spans = new List<(int, int)>(images);
        int next = 0;
        for (int i = 0; i < images; i++)
        {
            int start = positions[next];
            int count = tokensPerImage[i];
            if (positions[next + count - 1] != start + count - 1)
            {
                int run = RunLength(positions, next);
                throw new ArgumentException(
                    $"image {i} has {count} visual tokens but its placeholder run (id {imageTokenId}) at position {start} has {run}; " +
                    $"in the expanded form each image needs one consecutive run of its token count (runs {DescribeRuns(positions)}, " +
                    $"visual tokens {DescribeCounts(tokensPerImage)})", nameof(inputIds));
            }

            spans.Add((start, count));
            next += count;
        }

        return new ImagePlaceholders([.. inputIds], spans, inputWasExpanded: true);
    }

    private static ImagePlaceholders Expand(
        IReadOnlyList<long> inputIds, List<int> positions, IReadOnlyList<int> tokensPerImage, long imageTokenId, bool inputWasExpanded)
    {
        long length = inputIds.Count - positions.Count + tokensPerImage.Sum(k => (long)k);
        if (length > Array.MaxLength)
        {
            throw new ArgumentException($"the merged sequence would hold {length} tokens, more than an array can", nameof(tokensPerImage));
        }

        var expanded = new long[length];
        var spans = new List<(int, int)>(positions.Count);
        int write = 0;
        int image = 0;
        for (int t = 0; t < inputIds.Count; t++)
        {
            if (image < positions.Count && positions[image] == t)
            {
                int count = tokensPerImage[image];
                spans.Add((write, count));
                Array.Fill(expanded, imageTokenId, write, count);
                write += count;
                image++;
            }
            else
            {
                expanded[write++] = inputIds[t];
            }
        }

        return new ImagePlaceholders(expanded, spans, inputWasExpanded);
    }

    private static int RunLength(List<int> positions, int first)
    {
        int end = first + 1;
        while (end < positions.Count && positions[end] == positions[end - 1] + 1)
        {
            end++;
        }

        return end - first;
    }

    private static string DescribeRuns(List<int> positions)
    {
        if (positions.Count == 0)
        {
            return "[]";
        }

        var runs = new List<string>();
        for (int first = 0; first < positions.Count;)
        {
            int length = RunLength(positions, first);
            runs.Add($"{length}@{positions[first]}");
            first += length;
        }

        return "[" + string.Join(", ", runs.Take(8)) + (runs.Count > 8 ? $", … ({runs.Count} runs)" : "") + "] (length@position)";
    }

    private static string DescribeCounts(IReadOnlyList<int> tokensPerImage) =>
        "[" + string.Join(", ", tokensPerImage) + "]";
}
