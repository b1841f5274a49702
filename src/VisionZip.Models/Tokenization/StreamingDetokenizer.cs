using System.Text;

namespace VisionZip.Models.Tokenization;

/// <summary>
/// Turns token ids into text one id at a time, for streaming generated text. Each <see cref="Append(int)"/> returns only
/// the text completed by that id: the bytes of a multi-byte UTF-8 character split over several tokens (byte-fallback
/// pieces <c>&lt;0xNN&gt;</c>, byte-level BPE symbols) are held back until the character is complete.
/// </summary>
/// <remarks>
/// The concatenation of every <see cref="Append(int)"/> result and the final <see cref="Flush"/> equals
/// <see cref="ITextTokenizer.Decode"/> of the same ids. A SentencePiece dummy-prefix space is dropped at the start of
/// every text segment (the start of the stream and after each special token), so a stream of generated ids starts
/// without the leading space, as <c>tokenizer.decode(generated_ids)</c> in transformers.
/// Not thread-safe: one instance per stream.
/// </remarks>
public sealed class StreamingDetokenizer
{
    private readonly ITextTokenizer _tokenizer;
    private readonly Decoder _utf8;
    private readonly StringBuilder _text = new();
    private char[] _chars = new char[64];
    private bool _atSegmentStart = true;

    /// <summary>Creates a detokenizer for <paramref name="tokenizer"/>.</summary>
    /// <param name="tokenizer">The tokenizer whose ids are fed.</param>
    /// <param name="skipSpecialTokens">Leave special tokens (EOS, <c>&lt;image&gt;</c>, ...) out of the text.</param>
    /// <exception cref="ArgumentNullException"><paramref name="tokenizer"/> is null.</exception>
    public StreamingDetokenizer(ITextTokenizer tokenizer, bool skipSpecialTokens = true)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        _tokenizer = tokenizer;
        SkipSpecialTokens = skipSpecialTokens;
        // Replacement fallback: invalid sequences become U+FFFD (Python's errors="replace").
        _utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false).GetDecoder();
    }

    /// <summary>Whether special tokens are left out of the text.</summary>
    public bool SkipSpecialTokens { get; }

    /// <summary>All text returned so far.</summary>
    public string Text => _text.ToString();

    /// <summary>Feeds one id.</summary>
    /// <param name="id">Token id; ids at or beyond the tokenizer's vocabulary add nothing.</param>
    /// <returns>The text this id completes (possibly empty while a multi-byte character is incomplete).</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="id"/> is negative.</exception>
    public string Append(int id)
    {
        var token = _tokenizer.GetTokenBytes(id);
        if (token.IsSpecial)
        {
            // A special token ends the text segment: bytes left incomplete before it can no longer be completed.
            string text = DecodeBytes([], flush: true);
            if (!SkipSpecialTokens && token.Bytes.Length > 0)
            {
                text += Encoding.UTF8.GetString(token.Bytes.Span);
            }

            _atSegmentStart = true;
            return Emit(text);
        }

        ReadOnlySpan<byte> bytes = token.Bytes.Span;
        if (_atSegmentStart)
        {
            if (token.DummyPrefix && bytes.Length > 0 && bytes[0] == (byte)' ')
            {
                bytes = bytes[1..];
            }

            _atSegmentStart = false;
        }

        return Emit(DecodeBytes(bytes, flush: false));
    }

    /// <summary>Feeds several ids.</summary>
    /// <param name="ids">Token ids.</param>
    /// <returns>The text they complete.</returns>
    public string Append(IEnumerable<int> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var builder = new StringBuilder();
        foreach (int id in ids)
        {
            builder.Append(Append(id));
        }

        return builder.ToString();
    }

    /// <summary>Ends the stream: bytes of an incomplete character become U+FFFD.</summary>
    /// <returns>The remaining text (usually empty).</returns>
    public string Flush() => Emit(DecodeBytes([], flush: true));

    /// <summary>Forgets all state, ready for a new stream.</summary>
    public void Reset()
    {
        _utf8.Reset();
        _text.Clear();
        _atSegmentStart = true;
    }

    // The decoder keeps an incomplete trailing UTF-8 sequence until more bytes (or flush) arrive.
    private string DecodeBytes(ReadOnlySpan<byte> bytes, bool flush)
    {
        int needed = _utf8.GetCharCount(bytes, flush);
        if (needed > _chars.Length)
        {
            _chars = new char[Math.Max(needed, _chars.Length * 2)];
        }

        int written = _utf8.GetChars(bytes, _chars, flush);
        return new string(_chars, 0, written);
    }

    private string Emit(string text)
    {
        _text.Append(text);
        return text;
    }
}
