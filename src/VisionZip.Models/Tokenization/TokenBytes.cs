namespace VisionZip.Models.Tokenization;

/// <summary>What one token id decodes to.</summary>
/// <param name="Bytes">The token's UTF-8 bytes (a byte-fallback piece <c>&lt;0xNN&gt;</c> is the single byte NN,
/// which may be part of a multi-byte character that later tokens complete).</param>
/// <param name="IsSpecial">A special token (BOS, EOS, <c>&lt;image&gt;</c>, ...): its bytes are its content string.</param>
/// <param name="DummyPrefix">The first byte is a space that SentencePiece writes as <c>▁</c> and that the encoder adds
/// as the dummy prefix of every text chunk; decoders drop it when the token starts a text segment.</param>
public readonly record struct TokenBytes(ReadOnlyMemory<byte> Bytes, bool IsSpecial, bool DummyPrefix)
{
    /// <summary>The decoding of an id beyond the tokenizer's vocabulary (a padded embedding row): nothing.</summary>
    public static TokenBytes Empty { get; } = new(ReadOnlyMemory<byte>.Empty, IsSpecial: true, DummyPrefix: false);
}
