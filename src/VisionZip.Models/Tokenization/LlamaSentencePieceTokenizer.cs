using System.Text;
using Microsoft.ML.Tokenizers;
using VisionZip.Models.Checkpoints;

namespace VisionZip.Models.Tokenization;

/// <summary>
/// LLaMA / Mistral / Vicuna SentencePiece tokenizer (<c>tokenizer.model</c>, BPE with byte fallback) plus the
/// checkpoint's added tokens, encoding like transformers' <c>LlamaTokenizer</c> with <c>legacy: true</c> (and the
/// original LLaVA <c>tokenizer_image_token</c>): split the text on the added tokens; encode every non-empty text chunk
/// with SentencePiece including its dummy-prefix <c>▁</c>; map added tokens to their ids; BOS once in front
/// (<c>add_bos_token</c>, default true); EOS only with <c>add_eos_token</c>.
/// </summary>
/// <remarks>
/// Only the legacy rule is implemented: <c>legacy: false</c> in <c>tokenizer_config.json</c> (no dummy prefix after an
/// added token) is not honoured. Immutable after loading; safe to use from several threads.
/// </remarks>
public sealed class LlamaSentencePieceTokenizer : ITextTokenizer
{
    /// <summary>File name of the SentencePiece model in a checkpoint directory.</summary>
    public const string ModelFile = "tokenizer.model";

    private const char SpaceSymbol = '\u2581'; // ▁

    private readonly LlamaTokenizer _model;
    private readonly string?[] _tokens;        // id -> piece or added token content
    private readonly TokenBytes[] _bytes;      // id -> decoding
    private readonly Dictionary<string, int> _tokenToId;
    private readonly AddedTokenSplitter _splitter;
    private readonly bool _addBos;
    private readonly bool _addEos;

    private LlamaSentencePieceTokenizer(LlamaTokenizer model, TokenizerMetadata metadata, string modelPath)
    {
        _model = model;
        var vocabulary = model.Vocabulary;
        if (vocabulary.Count == 0)
        {
            throw new InvalidDataException($"{modelPath}: the SentencePiece model has no pieces");
        }

        var added = new Dictionary<int, AddedToken>(metadata.AddedTokens);
        // Older checkpoints list no added_tokens_decoder: <unk>, <s>, </s> are special all the same.
        foreach (int controlId in new[] { model.UnknownId, model.BeginningOfSentenceId, model.EndOfSentenceId })
        {
            if (controlId >= 0 && !added.ContainsKey(controlId))
            {
                string? piece = vocabulary.FirstOrDefault(entry => entry.Value == controlId).Key;
                if (piece is not null)
                {
                    added[controlId] = new AddedToken(piece, controlId, Special: true);
                }
            }
        }

        int vocabSize = Math.Max(vocabulary.Values.Max() + 1, added.Count == 0 ? 0 : added.Keys.Max() + 1);
        _tokens = new string?[vocabSize];
        _bytes = new TokenBytes[vocabSize];
        Array.Fill(_bytes, TokenBytes.Empty);
        _tokenToId = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (piece, id) in vocabulary)
        {
            _tokens[id] = piece;
            _bytes[id] = PieceBytes(piece, model.ByteFallback, model.AddDummyPrefix);
            _tokenToId[piece] = id;
        }

        foreach (var token in added.Values)
        {
            _tokens[token.Id] = token.Content;
            _bytes[token.Id] = new TokenBytes(Encoding.UTF8.GetBytes(token.Content), token.Special, DummyPrefix: false);
            _tokenToId[token.Content] = token.Id;
        }

        _splitter = new AddedTokenSplitter(added.Values);
        VocabSize = vocabSize;
        _addBos = metadata.AddBosToken ?? true;
        _addEos = metadata.AddEosToken ?? false;
        BosId = metadata.BosTokenIsNull ? null : TokenToId(metadata.BosToken ?? "<s>") ?? NonNegative(model.BeginningOfSentenceId);
        int? eosId = TokenToId(metadata.EosToken ?? "</s>") ?? NonNegative(model.EndOfSentenceId);
        EosIds = (eosId is int eos ? new[] { eos } : []).Concat(metadata.GenerationEosIds).Distinct().ToArray();
        PadId = metadata.PadToken is null ? null : TokenToId(metadata.PadToken);
        ImageToken = metadata.ImageToken;
        ImageTokenId = TokenToId(metadata.ImageToken);
    }

    /// <inheritdoc/>
    public int VocabSize { get; }

    /// <inheritdoc/>
    public int? BosId { get; }

    /// <inheritdoc/>
    public IReadOnlyList<int> EosIds { get; }

    /// <inheritdoc/>
    public int? PadId { get; }

    /// <inheritdoc/>
    public string ImageToken { get; }

    /// <inheritdoc/>
    public int? ImageTokenId { get; }

    /// <summary>Loads <c>tokenizer.model</c> and the optional JSON files of a checkpoint directory.</summary>
    /// <param name="directory">The checkpoint directory.</param>
    /// <returns>The tokenizer.</returns>
    /// <exception cref="FileNotFoundException"><c>tokenizer.model</c> is missing.</exception>
    /// <exception cref="InvalidDataException">A file is corrupt; the message names it.</exception>
    public static LlamaSentencePieceTokenizer Load(string directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        string modelPath = Path.GetFullPath(Path.Combine(directory, ModelFile));
        if (!File.Exists(modelPath))
        {
            throw new FileNotFoundException($"SentencePiece model not found: {modelPath}", modelPath);
        }

        using var checkpoint = CheckpointDirectory.Open(directory);
        return Load(checkpoint);
    }

    /// <summary>Loads <c>tokenizer.model</c> and the optional JSON files of an opened checkpoint directory (each read once per directory).</summary>
    /// <param name="directory">The opened checkpoint directory.</param>
    /// <returns>The tokenizer.</returns>
    /// <exception cref="FileNotFoundException"><c>tokenizer.model</c> is missing.</exception>
    /// <exception cref="InvalidDataException">A file is corrupt; the message names it.</exception>
    public static LlamaSentencePieceTokenizer Load(CheckpointDirectory directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        string modelPath = directory.FilePath(ModelFile);
        byte[] bytes = directory.Bytes(ModelFile) ?? throw new FileNotFoundException($"SentencePiece model not found: {modelPath}", modelPath);

        LlamaTokenizer model;
        using var stream = new MemoryStream(bytes, writable: false);
        try
        {
            model = LlamaTokenizer.Create(stream, addBeginOfSentence: false, addEndOfSentence: false);
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            // Google.Protobuf's parse errors, unsupported model types, missing pieces all end here.
            throw new InvalidDataException($"{modelPath}: not a valid SentencePiece BPE model ({exception.Message})", exception);
        }

        return new LlamaSentencePieceTokenizer(model, TokenizerMetadata.Read(directory), modelPath);
    }

    /// <inheritdoc/>
    public IReadOnlyList<int> Encode(string text) => Encode(text, addSpecialTokens: true);

    /// <inheritdoc/>
    public IReadOnlyList<int> Encode(string text, bool addSpecialTokens)
    {
        ArgumentNullException.ThrowIfNull(text);
        PromptText.Require(text);
        var ids = new List<int>();
        if (addSpecialTokens && _addBos && BosId is int bos)
        {
            ids.Add(bos);
        }

        foreach (var segment in _splitter.Split(text))
        {
            if (segment.Token is not null)
            {
                ids.Add(segment.Token.Id);
            }
            else
            {
                ids.AddRange(_model.EncodeToIds(segment.Text, addBeginningOfSentence: false, addEndOfSentence: false));
            }
        }

        if (addSpecialTokens && _addEos && EosIds.Count > 0)
        {
            ids.Add(EosIds[0]);
        }

        return ids;
    }

    /// <inheritdoc/>
    public string Decode(IEnumerable<int> ids, bool skipSpecialTokens = false)
    {
        var detokenizer = new StreamingDetokenizer(this, skipSpecialTokens);
        return detokenizer.Append(ids) + detokenizer.Flush();
    }

    /// <inheritdoc/>
    public int? TokenToId(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        return _tokenToId.TryGetValue(token, out int id) ? id : null;
    }

    /// <inheritdoc/>
    public string? IdToToken(int id) => id >= 0 && id < _tokens.Length ? _tokens[id] : null;

    /// <inheritdoc/>
    public bool IsSpecialToken(int id) => id >= 0 && id < _bytes.Length && _tokens[id] is not null && _bytes[id].IsSpecial;

    /// <inheritdoc/>
    public TokenBytes GetTokenBytes(int id)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(id);
        return id < _bytes.Length ? _bytes[id] : TokenBytes.Empty;
    }

    // "<0x0A>" -> byte 0x0A (byte fallback); otherwise the piece's UTF-8 with ▁ read as a space.
    private static TokenBytes PieceBytes(string piece, bool byteFallback, bool addDummyPrefix)
    {
        if (byteFallback && piece.Length == 6 && piece.StartsWith("<0x", StringComparison.Ordinal) && piece[5] == '>'
            && byte.TryParse(piece.AsSpan(3, 2), System.Globalization.NumberStyles.HexNumber, null, out byte value))
        {
            return new TokenBytes(new[] { value }, IsSpecial: false, DummyPrefix: false);
        }

        return new TokenBytes(Encoding.UTF8.GetBytes(piece.Replace(SpaceSymbol, ' ')), IsSpecial: false,
            DummyPrefix: addDummyPrefix && piece.Length > 0 && piece[0] == SpaceSymbol);
    }

    private static int? NonNegative(int id) => id >= 0 ? id : null;
}
