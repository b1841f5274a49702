namespace VisionZip.Models.Tokenization;

/// <summary>
/// A Hugging Face checkpoint's text tokenizer: prompt text to ids (added tokens such as <c>&lt;image&gt;</c> split out
/// and mapped to their ids, BOS as the checkpoint asks) and ids back to text.
/// </summary>
/// <remarks>Implementations are immutable after loading and safe to use from several threads.</remarks>
public interface ITextTokenizer
{
    /// <summary>Number of token ids the tokenizer knows: the model vocabulary plus the added tokens (max id + 1).</summary>
    /// <remarks>A language model's embedding table is often padded beyond this; such ids decode to nothing.</remarks>
    int VocabSize { get; }

    /// <summary>Id of the beginning-of-sequence token, or <see langword="null"/> when the checkpoint has none.</summary>
    int? BosId { get; }

    /// <summary>
    /// Ids that end generation: the tokenizer's <c>eos_token</c> plus every <c>eos_token_id</c> of the checkpoint's
    /// <c>generation_config.json</c>, without duplicates.
    /// </summary>
    IReadOnlyList<int> EosIds { get; }

    /// <summary>Id of the padding token, or <see langword="null"/> when the checkpoint has none.</summary>
    int? PadId { get; }

    /// <summary>The image placeholder string (<c>processor_config.json</c> <c>image_token</c>, default <c>&lt;image&gt;</c>).</summary>
    string ImageToken { get; }

    /// <summary>Id of <see cref="ImageToken"/>, or <see langword="null"/> when the vocabulary lacks it.</summary>
    int? ImageTokenId { get; }

    /// <summary>Encodes a prompt the way the checkpoint's Hugging Face tokenizer does with <c>add_special_tokens=True</c>.</summary>
    /// <param name="text">The prompt; added tokens (<c>&lt;image&gt;</c>, <c>&lt;/s&gt;</c>, ...) in it map to their ids.</param>
    /// <returns>The token ids, BOS first when the checkpoint adds one.</returns>
    /// <exception cref="Errors.ResourceLimitException">The text is longer than <see cref="Errors.ResourceLimits.MaxPromptChars"/>.</exception>
    /// <exception cref="Errors.PromptException">The text holds an unpaired UTF-16 surrogate.</exception>
    IReadOnlyList<int> Encode(string text);

    /// <summary>Encodes text; <paramref name="addSpecialTokens"/> = false leaves out BOS/EOS (added tokens in the text still map to their ids).</summary>
    /// <param name="text">The text to encode.</param>
    /// <param name="addSpecialTokens">Whether to add the BOS/EOS tokens the checkpoint's configuration asks for.</param>
    /// <returns>The token ids.</returns>
    IReadOnlyList<int> Encode(string text, bool addSpecialTokens);

    /// <summary>Decodes ids to text (the exact inverse of <see cref="Encode(string)"/> for text without special tokens).</summary>
    /// <param name="ids">Token ids; ids at or beyond <see cref="VocabSize"/> decode to nothing.</param>
    /// <param name="skipSpecialTokens">Leave special tokens (BOS, EOS, <c>&lt;image&gt;</c>, ...) out of the text.</param>
    /// <returns>The text; invalid UTF-8 byte sequences become U+FFFD.</returns>
    /// <exception cref="ArgumentOutOfRangeException">An id is negative.</exception>
    string Decode(IEnumerable<int> ids, bool skipSpecialTokens = false);

    /// <summary>Looks up a token string (a vocabulary piece such as <c>▁the</c> or <c>Ġthe</c>, or an added token).</summary>
    /// <param name="token">The token string.</param>
    /// <returns>Its id, or <see langword="null"/> when unknown.</returns>
    int? TokenToId(string token);

    /// <summary>The token string of an id (vocabulary piece or added token), or <see langword="null"/> when out of range.</summary>
    /// <param name="id">Token id.</param>
    /// <returns>The token string or <see langword="null"/>.</returns>
    string? IdToToken(int id);

    /// <summary>Whether an id is a special token (skipped by <see cref="Decode"/> with <c>skipSpecialTokens</c>).</summary>
    /// <param name="id">Token id.</param>
    /// <returns><see langword="true"/> for special tokens.</returns>
    bool IsSpecialToken(int id);

    /// <summary>How one id decodes: its bytes and kind. The building block of <see cref="StreamingDetokenizer"/>.</summary>
    /// <param name="id">Token id.</param>
    /// <returns>The token's bytes (empty for ids at or beyond <see cref="VocabSize"/>).</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="id"/> is negative.</exception>
    TokenBytes GetTokenBytes(int id);
}
