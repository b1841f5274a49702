namespace VisionZip.Models.Tokenization;

/// <summary>
/// GPT-2's reversible byte-to-unicode table used by byte-level BPE (GPT-2, Qwen2): bytes 33-126, 161-172 and
/// 174-255 map to the character with the same code; the other 68 bytes map to U+0100, U+0101, ... in byte order
/// (space -> <c>Ġ</c> U+0120, newline -> <c>Ċ</c> U+010A).
/// </summary>
internal static class ByteLevelAlphabet
{
    private static readonly char[] ByteToCharTable = BuildTable();
    private static readonly Dictionary<char, byte> CharToByteTable =
        Enumerable.Range(0, 256).ToDictionary(b => ByteToCharTable[b], b => (byte)b);

    /// <summary>The character that stands for <paramref name="value"/>.</summary>
    public static char ByteToChar(byte value) => ByteToCharTable[value];

    /// <summary>The byte a character stands for, or <see langword="null"/> for a character outside the alphabet.</summary>
    public static byte? CharToByte(char symbol) => CharToByteTable.TryGetValue(symbol, out byte value) ? value : null;

    /// <summary>Maps UTF-8 bytes to their byte-level string.</summary>
    public static string Encode(ReadOnlySpan<byte> bytes)
    {
        return string.Create(bytes.Length, bytes.ToArray(), static (chars, source) =>
        {
            for (int i = 0; i < source.Length; i++)
            {
                chars[i] = ByteToCharTable[source[i]];
            }
        });
    }

    private static char[] BuildTable()
    {
        var table = new char[256];
        int next = 0;
        for (int b = 0; b < 256; b++)
        {
            bool printable = b is >= '!' and <= '~' or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF;
            table[b] = printable ? (char)b : (char)(256 + next++);
        }

        return table;
    }
}
