using System.Buffers.Binary;
using System.Text;

namespace VisionZip.Tests.IO;

/// <summary>Writes hand-made (possibly malformed) safetensors files byte by byte.</summary>
internal static class RawSafetensors
{
    /// <summary>An 8-byte little-endian header length, the UTF-8 header, then <paramref name="dataBytes"/> bytes.</summary>
    public static string Write(string path, string header, int dataBytes) => Write(path, header, new byte[dataBytes]);

    /// <inheritdoc cref="Write(string, string, int)"/>
    public static string Write(string path, string header, byte[] data)
    {
        byte[] json = Encoding.UTF8.GetBytes(header);
        return WriteWithDeclaredLength(path, (ulong)json.Length, [.. json, .. data]);
    }

    /// <summary>A header length that need not match what follows it.</summary>
    public static string WriteWithDeclaredLength(string path, ulong headerLength, byte[] rest)
    {
        using var stream = File.Create(path);
        Span<byte> prefix = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(prefix, headerLength);
        stream.Write(prefix);
        stream.Write(rest);
        return path;
    }

    /// <summary>The header JSON of a file written by anyone.</summary>
    public static string ReadHeader(string path, out ulong headerLength)
    {
        byte[] bytes = File.ReadAllBytes(path);
        headerLength = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        return Encoding.UTF8.GetString(bytes, 8, checked((int)headerLength));
    }
}
