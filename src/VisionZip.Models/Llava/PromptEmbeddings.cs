using TorchSharp;
using static TorchSharp.torch;

namespace VisionZip.Models.Llava;

/// <summary>
/// Builds the LLM's <c>inputs_embeds</c> for a LLaVA prompt: the text tokens' embeddings with every
/// <c>&lt;image&gt;</c> placeholder replaced by that image's projected visual tokens
/// (transformers <c>LlavaForConditionalGeneration</c>: <c>inputs_embeds.masked_scatter(special_image_mask, image_features)</c>).
/// </summary>
public static class PromptEmbeddings
{
    /// <summary>Merges text embeddings and visual tokens.</summary>
    /// <param name="inputIds"><c>[1, T]</c> integer token ids, with one <c>&lt;image&gt;</c> per image or the id repeated once per visual token.</param>
    /// <param name="imageFeatures">Per image, in prompt order, its projected visual tokens <c>[K_i, D]</c> or <c>[1, K_i, D]</c>.</param>
    /// <param name="imageTokenId">The <c>&lt;image&gt;</c> id (config <c>image_token_index</c>).</param>
    /// <param name="embedTokens">The decoder's token embedding: int64 ids <c>[1, T']</c> to <c>[1, T', D]</c>.</param>
    /// <returns><c>[1, T', D]</c> in the text embeddings' dtype and device; T' = text tokens + visual tokens.</returns>
    /// <exception cref="ArgumentException">
    /// Bad shapes, a feature width other than D, or placeholders that do not match the images (see
    /// <see cref="ImagePlaceholders.Locate"/>).
    /// </exception>
    public static Tensor Merge(Tensor inputIds, IReadOnlyList<Tensor> imageFeatures, long imageTokenId, Func<Tensor, Tensor> embedTokens)
    {
        ArgumentNullException.ThrowIfNull(inputIds);
        ArgumentNullException.ThrowIfNull(imageFeatures);
        ArgumentNullException.ThrowIfNull(embedTokens);
        if (inputIds.ndim != 2 || inputIds.shape[0] != 1)
        {
            throw new ArgumentException($"input_ids must be [1, T] (batch 1), got [{string.Join(", ", inputIds.shape)}]", nameof(inputIds));
        }

        if (inputIds.dtype is not (ScalarType.Int64 or ScalarType.Int32))
        {
            throw new ArgumentException($"input_ids must be int64 or int32, got {inputIds.dtype}", nameof(inputIds));
        }

        var tokens = new int[imageFeatures.Count];
        for (int i = 0; i < imageFeatures.Count; i++)
        {
            var features = imageFeatures[i];
            bool rank2 = features.ndim == 2;
            bool rank3 = features.ndim == 3 && features.shape[0] == 1;
            if (!rank2 && !rank3)
            {
                throw new ArgumentException(
                    $"image {i}: features must be [K, D] or [1, K, D], got [{string.Join(", ", features.shape)}]", nameof(imageFeatures));
            }

            tokens[i] = checked((int)features.shape[^2]);
        }

        long[] ids = inputIds.to(ScalarType.Int64).cpu().data<long>().ToArray();
        var placeholders = ImagePlaceholders.Locate(ids, tokens, imageTokenId);
        return Merge(placeholders, imageFeatures, embedTokens, inputIds.device);
    }

    /// <summary>Merges text embeddings and visual tokens at already located placeholders.</summary>
    /// <param name="placeholders">The expanded prompt and each image's span (<see cref="ImagePlaceholders.Locate"/>).</param>
    /// <param name="imageFeatures">Per image its projected visual tokens <c>[K_i, D]</c> or <c>[1, K_i, D]</c>, K_i = span length.</param>
    /// <param name="embedTokens">The decoder's token embedding: int64 ids <c>[1, T']</c> to <c>[1, T', D]</c>.</param>
    /// <param name="device">Device for the ids given to <paramref name="embedTokens"/>.</param>
    /// <returns><c>[1, T', D]</c>.</returns>
    /// <exception cref="ArgumentException">Feature counts or widths do not match.</exception>
    public static Tensor Merge(ImagePlaceholders placeholders, IReadOnlyList<Tensor> imageFeatures, Func<Tensor, Tensor> embedTokens, Device device)
    {
        ArgumentNullException.ThrowIfNull(placeholders);
        ArgumentNullException.ThrowIfNull(imageFeatures);
        ArgumentNullException.ThrowIfNull(embedTokens);
        if (imageFeatures.Count != placeholders.Spans.Count)
        {
            throw new ArgumentException(
                $"{imageFeatures.Count} image feature tensors for {placeholders.Spans.Count} placeholder spans", nameof(imageFeatures));
        }

        using var scope = NewDisposeScope();

        // The placeholder id may lie outside the embedding table (it does when vocab_size excludes added tokens):
        // embed id 0 there, as transformers does, and overwrite those rows below.
        long[] textIds = placeholders.ExpandedIds.ToArray();
        foreach (var (start, length) in placeholders.Spans)
        {
            Array.Fill(textIds, 0L, start, length);
        }

        var embeds = embedTokens(tensor(textIds, ScalarType.Int64, device).unsqueeze(0));   // [1, T', D]
        if (embeds.ndim != 3 || embeds.shape[0] != 1 || embeds.shape[1] != textIds.Length)
        {
            throw new ArgumentException(
                $"embedTokens returned [{string.Join(", ", embeds.shape)}], expected [1, {textIds.Length}, D]", nameof(embedTokens));
        }

        long hidden = embeds.shape[2];
        if (imageFeatures.Count == 0)
        {
            return embeds.MoveToOuterDisposeScope();
        }

        var rows = new List<Tensor>(imageFeatures.Count);
        var positions = new List<long>();
        for (int i = 0; i < imageFeatures.Count; i++)
        {
            var features = imageFeatures[i].ndim == 3 ? imageFeatures[i][0] : imageFeatures[i];   // [K_i, D]
            var (start, length) = placeholders.Spans[i];
            if (features.ndim != 2 || features.shape[0] != length || features.shape[1] != hidden)
            {
                throw new ArgumentException(
                    $"image {i}: features [{string.Join(", ", imageFeatures[i].shape)}], expected {length} rows of width {hidden} " +
                    "(the placeholder span and the text embedding width)", nameof(imageFeatures));
            }

            rows.Add(features.to(embeds.dtype, embeds.device));
            for (int p = 0; p < length; p++)
            {
                positions.Add(start + p);
            }
        }

        var index = tensor(positions.ToArray(), ScalarType.Int64, embeds.device);            // [K]
        var merged = embeds.index_copy(1, index, cat(rows, 0).unsqueeze(0));                  // [1, T', D]
        return merged.MoveToOuterDisposeScope();
    }
}
