using System.Text;

namespace VisionZip.Benchmarks.Peer;

/// <summary>One tensor info of a GGUF file.</summary>
/// <param name="Name">Tensor name.</param>
/// <param name="Shape">Row-major shape (the file's dimensions reversed), comparable with torch's.</param>
/// <param name="Type">ggml type tag (a raw number when this reader does not name it).</param>
/// <param name="Offset">Absolute file offset of the tensor's data.</param>
public sealed record GgufTensorInfo(string Name, long[] Shape, GgmlType Type, long Offset);

/// <summary>
/// A small GGUF version 3 reader: header, metadata and tensor infos, and the raw bytes of unquantised tensors. It
/// checks what the writer promises (magic, version, 32-byte alignment of the data section and of every tensor) and
/// exists to test <see cref="GgufWriter"/> and to inspect files the quantiser wrote.
/// </summary>
public sealed class GgufReader
{
    private const long MaxCount = 1 << 24;
    private readonly string _path;

    private GgufReader(string path, uint version, Dictionary<string, GgufValue> metadata, List<string> keyOrder,
        List<GgufTensorInfo> tensors, long dataStart)
    {
        _path = path;
        Version = version;
        Metadata = metadata;
        KeyOrder = keyOrder;
        Tensors = tensors;
        DataStart = dataStart;
    }

    /// <summary>The file's version (always 3 here).</summary>
    public uint Version { get; }

    /// <summary>Metadata by key.</summary>
    public IReadOnlyDictionary<string, GgufValue> Metadata { get; }

    /// <summary>Metadata keys in file order.</summary>
    public IReadOnlyList<string> KeyOrder { get; }

    /// <summary>Tensor infos in file order.</summary>
    public IReadOnlyList<GgufTensorInfo> Tensors { get; }

    /// <summary>Absolute offset of the data section.</summary>
    public long DataStart { get; }

    /// <summary>Reads the header, metadata and tensor infos of <paramref name="path"/>.</summary>
    /// <exception cref="InvalidDataException">Not a GGUF v3 file, or a count, type or offset out of range (the message names the file).</exception>
    public static GgufReader Open(string path)
    {
        using var stream = File.OpenRead(path);
        using var reader = new BinaryReader(stream, Encoding.UTF8);
        try
        {
            if (reader.ReadUInt32() != Gguf.Magic)
            {
                throw new InvalidDataException($"{path}: not a GGUF file (bad magic)");
            }

            uint version = reader.ReadUInt32();
            if (version != Gguf.Version)
            {
                throw new InvalidDataException($"{path}: GGUF version {version}, expected {Gguf.Version}");
            }

            long tensorCount = Count(reader, path, "tensor count");
            long keyCount = Count(reader, path, "metadata count");
            var metadata = new Dictionary<string, GgufValue>(StringComparer.Ordinal);
            var order = new List<string>();
            for (long i = 0; i < keyCount; i++)
            {
                string key = ReadString(reader, path);
                var type = (GgufValueType)reader.ReadUInt32();
                metadata[key] = ReadValue(reader, type, path, key);
                order.Add(key);
            }

            var tensors = new List<(string Name, long[] Shape, GgmlType Type, long Offset)>();
            for (long i = 0; i < tensorCount; i++)
            {
                string name = ReadString(reader, path);
                uint dims = reader.ReadUInt32();
                if (dims is 0 or > 4)
                {
                    throw new InvalidDataException($"{path}: tensor '{name}' has {dims} dimensions");
                }

                var shape = new long[dims];
                for (int d = (int)dims - 1; d >= 0; d--)
                {
                    shape[d] = (long)reader.ReadUInt64();
                }

                var tensorType = (GgmlType)reader.ReadUInt32();
                long offset = (long)reader.ReadUInt64();
                if (offset % Gguf.Alignment != 0)
                {
                    throw new InvalidDataException($"{path}: tensor '{name}' at offset {offset}, not a multiple of {Gguf.Alignment}");
                }

                tensors.Add((name, shape, tensorType, offset));
            }

            long dataStart = Gguf.Align(stream.Position);
            return new GgufReader(path, version, metadata, order,
                [.. tensors.Select(t => new GgufTensorInfo(t.Name, t.Shape, t.Type, dataStart + t.Offset))], dataStart);
        }
        catch (EndOfStreamException)
        {
            throw new InvalidDataException($"{path}: truncated GGUF header");
        }
    }

    /// <summary>The info of tensor <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">No such tensor (named).</exception>
    public GgufTensorInfo Tensor(string name) =>
        Tensors.FirstOrDefault(t => t.Name == name) ?? throw new KeyNotFoundException($"{_path}: no tensor '{name}'");

    /// <summary>The raw bytes of an unquantised tensor (F32, F16, BF16).</summary>
    public byte[] ReadBytes(string name)
    {
        var info = Tensor(name);
        long length = info.Shape.Aggregate(1L, (a, b) => a * b) * Gguf.ElementSize(info.Type);
        using var stream = File.OpenRead(_path);
        if (info.Offset + length > stream.Length)
        {
            throw new InvalidDataException($"{_path}: tensor '{name}' ends at {info.Offset + length}, past the end of the file ({stream.Length})");
        }

        var bytes = new byte[length];
        stream.Position = info.Offset;
        stream.ReadExactly(bytes);
        return bytes;
    }

    /// <summary>An unquantised F32 tensor's values.</summary>
    public float[] ReadFloat32(string name)
    {
        if (Tensor(name).Type != GgmlType.F32)
        {
            throw new InvalidDataException($"{_path}: tensor '{name}' is {Tensor(name).Type}, not F32");
        }

        var bytes = ReadBytes(name);
        var values = new float[bytes.Length / 4];
        Buffer.BlockCopy(bytes, 0, values, 0, bytes.Length);
        return values;
    }

    private static long Count(BinaryReader reader, string path, string what)
    {
        ulong count = reader.ReadUInt64();
        return count > MaxCount ? throw new InvalidDataException($"{path}: {what} {count} is implausible") : (long)count;
    }

    private static string ReadString(BinaryReader reader, string path)
    {
        ulong length = reader.ReadUInt64();
        if (length > MaxCount)
        {
            throw new InvalidDataException($"{path}: string of {length} bytes is implausible");
        }

        return Encoding.UTF8.GetString(reader.ReadBytes((int)length));
    }

    private static GgufValue ReadValue(BinaryReader reader, GgufValueType type, string path, string key) => type switch
    {
        GgufValueType.UInt8 => new(type, reader.ReadByte()),
        GgufValueType.Int8 => new(type, reader.ReadSByte()),
        GgufValueType.UInt16 => new(type, reader.ReadUInt16()),
        GgufValueType.Int16 => new(type, reader.ReadInt16()),
        GgufValueType.UInt32 => new(type, reader.ReadUInt32()),
        GgufValueType.Int32 => new(type, reader.ReadInt32()),
        GgufValueType.Float32 => new(type, reader.ReadSingle()),
        GgufValueType.Bool => new(type, reader.ReadByte() != 0),
        GgufValueType.String => new(type, ReadString(reader, path)),
        GgufValueType.UInt64 => new(type, reader.ReadUInt64()),
        GgufValueType.Int64 => new(type, reader.ReadInt64()),
        GgufValueType.Float64 => new(type, reader.ReadDouble()),
        GgufValueType.Array => ReadArray(reader, path, key),
        _ => throw new InvalidDataException($"{path}: metadata '{key}' has unknown value type {(uint)type}"),
    };

    private static GgufValue ReadArray(BinaryReader reader, string path, string key)
    {
        var elementType = (GgufValueType)reader.ReadUInt32();
        long count = Count(reader, path, $"metadata '{key}' array length");
        Array values = elementType switch
        {
            GgufValueType.String => new string[count],
            GgufValueType.Float32 => new float[count],
            GgufValueType.Int32 => new int[count],
            GgufValueType.UInt32 => new uint[count],
            _ => new object[count],
        };
        for (long i = 0; i < count; i++)
        {
            values.SetValue(ReadValue(reader, elementType, path, key).Value, i);
        }

        return new GgufValue(GgufValueType.Array, values, elementType);
    }
}
