using System.Buffers.Binary;
using System.Text;

namespace VisionZip.Runtime;

/// <summary>
/// Marks one symbol-version requirement of an ELF64 little-endian shared object as weak
/// (VER_FLG_WEAK in its <c>.gnu.version_r</c> Vernaux entry), so the dynamic loader accepts a
/// libstdc++ that lacks that version. Only the flag bytes change; the file keeps its size.
/// </summary>
internal static class ElfVersionPatcher
{
    private const uint ShtGnuVerneed = 0x6ffffffe;
    private const ushort VerFlagWeak = 0x2;

    /// <summary>Sets VER_FLG_WEAK on every Vernaux entry named <paramref name="version"/>.</summary>
    /// <returns>How many entries now carry the flag that did not before.</returns>
    /// <exception cref="InvalidDataException">The bytes are not a well-formed ELF64 LE file.</exception>
    public static int MarkVersionWeak(byte[] elf, string version, string fileName)
    {
        Check(elf.Length >= 64 && elf[0] == 0x7f && elf[1] == (byte)'E' && elf[2] == (byte)'L' && elf[3] == (byte)'F',
            fileName, "not an ELF file");
        Check(elf[4] == 2 && elf[5] == 1, fileName, "only 64-bit little-endian ELF is supported");

        var span = elf.AsSpan();
        long sectionTable = ReadInt64(span, 0x28, fileName);
        int sectionSize = ReadUInt16(span, 0x3A, fileName);
        int sectionCount = ReadUInt16(span, 0x3C, fileName);
        int patched = 0;

        for (int i = 0; i < sectionCount; i++)
        {
            long header = sectionTable + (long)i * sectionSize;
            if (ReadUInt32(span, header + 4, fileName) != ShtGnuVerneed)
            {
                continue;
            }

            long verneedOffset = ReadInt64(span, header + 0x18, fileName);
            uint linkedSection = ReadUInt32(span, header + 0x28, fileName);
            long stringTable = ReadInt64(span, sectionTable + linkedSection * sectionSize + 0x18, fileName);
            patched += PatchVerneedChain(span, verneedOffset, stringTable, version, fileName);
        }

        return patched;
    }

    private static int PatchVerneedChain(Span<byte> elf, long verneed, long stringTable, string version, string fileName)
    {
        int patched = 0;
        for (int guard = 0; guard < 4096; guard++)
        {
            int auxCount = ReadUInt16(elf, verneed + 2, fileName);
            long aux = verneed + ReadUInt32(elf, verneed + 8, fileName);
            for (int k = 0; k < auxCount; k++)
            {
                long nameOffset = stringTable + ReadUInt32(elf, aux + 8, fileName);
                if (ReadCString(elf, nameOffset, fileName) == version)
                {
                    ushort flags = ReadUInt16(elf, aux + 4, fileName);
                    if ((flags & VerFlagWeak) == 0)
                    {
                        BinaryPrimitives.WriteUInt16LittleEndian(elf.Slice(checked((int)aux + 4)), (ushort)(flags | VerFlagWeak));
                        patched++;
                    }
                }

                uint nextAux = ReadUInt32(elf, aux + 12, fileName);
                if (nextAux == 0)
                {
                    break;
                }

                aux += nextAux;
            }

            uint next = ReadUInt32(elf, verneed + 12, fileName);
            if (next == 0)
            {
                return patched;
            }

            verneed += next;
        }

        throw new InvalidDataException($"{fileName}: .gnu.version_r chain does not terminate");
    }

    private static string ReadCString(ReadOnlySpan<byte> elf, long offset, string fileName)
    {
        Check(offset >= 0 && offset < elf.Length, fileName, $"string offset {offset} out of range");
        var tail = elf.Slice((int)offset);
        int end = tail.IndexOf((byte)0);
        Check(end >= 0, fileName, "unterminated string");
        return Encoding.ASCII.GetString(tail.Slice(0, end));
    }

    private static ushort ReadUInt16(ReadOnlySpan<byte> elf, long offset, string fileName) =>
        BinaryPrimitives.ReadUInt16LittleEndian(Slice(elf, offset, 2, fileName));

    private static uint ReadUInt32(ReadOnlySpan<byte> elf, long offset, string fileName) =>
        BinaryPrimitives.ReadUInt32LittleEndian(Slice(elf, offset, 4, fileName));

    private static long ReadInt64(ReadOnlySpan<byte> elf, long offset, string fileName) =>
        BinaryPrimitives.ReadInt64LittleEndian(Slice(elf, offset, 8, fileName));

    private static ReadOnlySpan<byte> Slice(ReadOnlySpan<byte> elf, long offset, int length, string fileName)
    {
        Check(offset >= 0 && offset + length <= elf.Length, fileName, $"read of {length} bytes at {offset} is past the end ({elf.Length} bytes)");
        return elf.Slice((int)offset, length);
    }

    private static void Check(bool condition, string fileName, string problem)
    {
        if (!condition)
        {
            throw new InvalidDataException($"{fileName}: {problem}");
        }
    }
}
