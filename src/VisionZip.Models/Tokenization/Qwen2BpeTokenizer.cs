using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using VisionZip.Models.Checkpoints;

namespace VisionZip.Models.Tokenization;

/// <summary>
/// Qwen2 byte-level BPE tokenizer (<c>vocab.json</c> + <c>merges.txt</c>, transformers' <c>Qwen2Tokenizer</c>):
/// NFC-normalise; split on the added tokens (<c>&lt;|im_start|&gt;</c>, <c>&lt;image&gt;</c>, ...); pre-tokenise
/// every other chunk with Qwen2's split pattern; map each piece's UTF-8 bytes through GPT-2's byte-to-unicode table;
/// merge the adjacent pair of lowest rank (all its occurrences, left to right) until no pair is a merge; look the
/// symbols up in the vocabulary. No BOS or EOS unless <c>tokenizer_config.json</c> asks for them.
/// </summary>
/// <remarks>Immutable after loading (a thread-safe cache of merged words aside); safe to use from several threads.</remarks>
public sealed class Qwen2BpeTokenizer : ITextTokenizer
{
    /// <summary>File name of the vocabulary (symbol -> id) in a checkpoint directory.</summary>
    public const string VocabFile = "vocab.json";

    /// <summary>File name of the merge list (one <c>left right</c> pair per line, by rank) in a checkpoint directory.</summary>
    public const string MergesFile = "merges.txt";

    private const int MaxCachedWords = 100_000;

    private readonly Dictionary<string, int> _vocab;
    private readonly Dictionary<(string Left, string Right), int> _mergeRanks;
    private readonly string?[] _tokens;
    private readonly TokenBytes[] _bytes;
    private readonly Dictionary<string, int> _addedByContent;
    private readonly AddedTokenSplitter _splitter;
    private readonly ConcurrentDictionary<string, int[]> _wordCache = new(StringComparer.Ordinal);
    private readonly bool _addBos;
    private readonly bool _addEos;

    private Qwen2BpeTokenizer(Dictionary<string, int> vocab, Dictionary<(string, string), int> mergeRanks,
        TokenizerMetadata metadata)
    {
        _vocab = vocab;
        _mergeRanks = mergeRanks;
        var added = metadata.AddedTokens;
        int vocabSize = Math.Max(vocab.Count == 0 ? 0 : vocab.Values.Max() + 1, added.Count == 0 ? 0 : added.Keys.Max() + 1);
        _tokens = new string?[vocabSize];
        _bytes = new TokenBytes[vocabSize];
        Array.Fill(_bytes, TokenBytes.Empty);
        foreach (var (symbol, id) in vocab)
        {
            _tokens[id] = symbol;
            _bytes[id] = new TokenBytes(SymbolBytes(symbol), IsSpecial: false, DummyPrefix: false);
        }

        _addedByContent = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var token in added.Values)
        {
            _tokens[token.Id] = token.Content;
            _bytes[token.Id] = new TokenBytes(Encoding.UTF8.GetBytes(token.Content), token.Special, DummyPrefix: false);
            _addedByContent[token.Content] = token.Id;
        }

        _splitter = new AddedTokenSplitter(added.Values);
        VocabSize = vocabSize;
        BosId = metadata.BosTokenIsNull ? null : TokenToId(metadata.BosToken ?? string.Empty);
        _addBos = (metadata.AddBosToken ?? false) && BosId is not null;
        int? eosId = metadata.EosToken is null ? null : TokenToId(metadata.EosToken);
        EosIds = (eosId is int eos ? new[] { eos } : []).Concat(metadata.GenerationEosIds).Distinct().ToArray();
        _addEos = (metadata.AddEosToken ?? false) && eosId is not null;
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

    /// <summary>Loads <c>vocab.json</c>, <c>merges.txt</c> and the optional JSON files of a checkpoint directory.</summary>
    /// <param name="directory">The checkpoint directory.</param>
    /// <returns>The tokenizer.</returns>
    /// <exception cref="FileNotFoundException"><c>vocab.json</c> or <c>merges.txt</c> is missing.</exception>
    /// <exception cref="InvalidDataException">A file is corrupt or the merges do not fit the vocabulary; the message names the file.</exception>
    public static Qwen2BpeTokenizer Load(string directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        RequireFile(directory, VocabFile);
        RequireFile(directory, MergesFile);
        using var checkpoint = CheckpointDirectory.Open(directory);
        return Load(checkpoint);
    }

    /// <summary>Loads <c>vocab.json</c>, <c>merges.txt</c> and the optional JSON files of an opened checkpoint directory (each read once per directory).</summary>
    /// <param name="directory">The opened checkpoint directory.</param>
    /// <returns>The tokenizer.</returns>
    /// <exception cref="FileNotFoundException"><c>vocab.json</c> or <c>merges.txt</c> is missing.</exception>
    /// <exception cref="InvalidDataException">A file is corrupt or the merges do not fit the vocabulary; the message names the file.</exception>
    public static Qwen2BpeTokenizer Load(CheckpointDirectory directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        string vocabPath = RequireFile(directory.Path, VocabFile);
        string mergesPath = RequireFile(directory.Path, MergesFile);
        var vocab = ReadVocab(directory, vocabPath);
        var mergeRanks = ReadMerges(directory.Text(MergesFile) ?? "", mergesPath, vocab, vocabPath);
        return new Qwen2BpeTokenizer(vocab, mergeRanks, TokenizerMetadata.Read(directory));
    }

    /// <inheritdoc/>
    public IReadOnlyList<int> Encode(string text) => Encode(text, addSpecialTokens: true);

    /// <inheritdoc/>
    public IReadOnlyList<int> Encode(string text, bool addSpecialTokens)
    {
        ArgumentNullException.ThrowIfNull(text);
        PromptText.Require(text);
        var ids = new List<int>();
        if (addSpecialTokens && _addBos)
        {
            ids.Add(BosId!.Value);
        }

        foreach (var segment in _splitter.Split(PromptText.NormalizeC(text)))
        {
            if (segment.Token is not null)
            {
                ids.Add(segment.Token.Id);
                continue;
            }

            foreach (string piece in Qwen2PreTokenizer.Split(segment.Text))
            {
                ids.AddRange(EncodeWord(ByteLevelAlphabet.Encode(Encoding.UTF8.GetBytes(piece))));
            }
        }

        if (addSpecialTokens && _addEos)
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
        return _addedByContent.TryGetValue(token, out int added) ? added
            : _vocab.TryGetValue(token, out int id) ? id
            : null;
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

    /// <summary>BPE over one pre-token (already in byte-level characters).</summary>
    private int[] EncodeWord(string word)
    {
        if (_wordCache.TryGetValue(word, out var cached))
        {
            return cached;
        }

        var symbols = new List<string>(word.Length);
        foreach (char symbol in word)
        {
            symbols.Add(symbol.ToString());
        }

        while (symbols.Count > 1)
        {
            // The adjacent pair of lowest rank ...
            int bestRank = int.MaxValue;
            (string, string) best = default;
            for (int i = 0; i + 1 < symbols.Count; i++)
            {
                if (_mergeRanks.TryGetValue((symbols[i], symbols[i + 1]), out int rank) && rank < bestRank)
                {
                    bestRank = rank;
                    best = (symbols[i], symbols[i + 1]);
                }
            }

            if (bestRank == int.MaxValue)
            {
                break;
            }

            // ... merged at every occurrence, left to right.
            var merged = new List<string>(symbols.Count);
            for (int i = 0; i < symbols.Count; i++)
            {
                if (i + 1 < symbols.Count && symbols[i] == best.Item1 && symbols[i + 1] == best.Item2)
                {
                    merged.Add(best.Item1 + best.Item2);
                    i++;
                }
                else
                {
                    merged.Add(symbols[i]);
                }
            }

            symbols = merged;
        }

        // Load validated that every byte symbol and every merge result is in the vocabulary.
        var ids = symbols.Select(symbol => _vocab[symbol]).ToArray();
        if (_wordCache.Count < MaxCachedWords)
        {
            _wordCache.TryAdd(word, ids);
        }

        return ids;
    }

    private static byte[] SymbolBytes(string symbol)
    {
        var bytes = new byte[symbol.Length];
        for (int i = 0; i < symbol.Length; i++)
        {
            // A vocabulary entry outside the byte alphabet (none in a byte-level vocabulary) decodes as its UTF-8.
            if (ByteLevelAlphabet.CharToByte(symbol[i]) is not byte value)
            {
                return Encoding.UTF8.GetBytes(symbol);
            }

            bytes[i] = value;
        }

        return bytes;
    }

    private static string RequireFile(string directory, string fileName)
    {
        string path = Path.GetFullPath(Path.Combine(directory, fileName));
        return File.Exists(path) ? path : throw new FileNotFoundException($"BPE tokenizer file not found: {path}", path);
    }

    private static Dictionary<string, int> ReadVocab(CheckpointDirectory directory, string path)
    {
        Dictionary<string, int>? vocab;
        try
        {
            vocab = (directory.Json(VocabFile) ?? throw new FileNotFoundException($"BPE tokenizer file not found: {path}", path))
                .Deserialize<Dictionary<string, int>>();
        }
        catch (JsonException exception)
        {
            throw new InvalidDataException($"{path}: not a JSON object of token -> id ({exception.Message})", exception);
        }

        if (vocab is null || vocab.Count == 0)
        {
            throw new InvalidDataException($"{path}: the vocabulary is empty");
        }

        foreach (var (symbol, id) in vocab)
        {
            if (id < 0)
            {
                throw new InvalidDataException($"{path}: token '{symbol}' has negative id {id}");
            }
        }

        for (int b = 0; b < 256; b++)
        {
            string symbol = ByteLevelAlphabet.ByteToChar((byte)b).ToString();
            if (!vocab.ContainsKey(symbol))
            {
                throw new InvalidDataException(
                    $"{path}: not a byte-level vocabulary: the symbol '{symbol}' of byte 0x{b:X2} is missing");
            }
        }

        return vocab;
    }

    private static Dictionary<(string, string), int> ReadMerges(string text, string path, Dictionary<string, int> vocab, string vocabPath)
    {
        var ranks = new Dictionary<(string, string), int>();
        int lineNumber = 0;
        int rank = 0;
        using var lines = new StringReader(text); // the line breaks File.ReadLines splits on: \n, \r\n, \r
        while (lines.ReadLine() is { } line)
        {
            lineNumber++;
            if (line.Length == 0 || lineNumber == 1 && line.StartsWith("#version", StringComparison.Ordinal))
            {
                continue;
            }

            string[] parts = line.Split(' ');
            if (parts.Length != 2 || parts[0].Length == 0 || parts[1].Length == 0)
            {
                throw new InvalidDataException($"{path}: line {lineNumber}: expected two space-separated symbols, found '{line}'");
            }

            if (!vocab.ContainsKey(parts[0] + parts[1]))
            {
                throw new InvalidDataException(
                    $"{path}: line {lineNumber}: the merge result '{parts[0] + parts[1]}' is not in {vocabPath}");
            }

            // Rank = position in the list; a repeated pair keeps its last rank (as transformers' dict does).
            ranks[(parts[0], parts[1])] = rank++;
        }

        return ranks;
    }
}
