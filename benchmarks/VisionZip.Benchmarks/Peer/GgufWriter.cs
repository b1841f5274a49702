using System.Buffers.Binary;
using System.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace VisionZip.Benchmarks.Peer;

/// <summary>
/// Writes a GGUF version 3 file (llama.cpp's single-file model format, as docs/gguf.md describes it): the header
/// (magic, version, tensor count, metadata count), the metadata key-value pairs, the tensor infos (name, dimensions
/// fastest-varying first, type, offset into the data section), then the data section, aligned to 32 bytes, with each
/// tensor at a multiple of 32. All integers are little-endian; strings are a uint64 byte count and UTF-8 without a
/// terminator.
/// </summary>
/// <remarks>
/// Tensors are added as producers: each one runs only while its bytes are written, under its own dispose scope, so a
/// conversion holds one tensor in memory at a time. The file is written to a temporary name beside the target and
/// renamed into place when complete.
/// </remarks>
public sealed class GgufWriter
{
    private readonly List<KeyValuePair<string, GgufValue>> _metadata = [];
    private readonly List<PlannedTensor> _tensors = [];

    /// <summary>Metadata in the order it was set.</summary>
    public IReadOnlyList<KeyValuePair<string, GgufValue>> Metadata => _metadata;

    /// <summary>Sets <paramref name="key"/> (a repeated key replaces the earlier value in place).</summary>
    public void Set(string key, GgufValue value)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentNullException.ThrowIfNull(value);
        int at = _metadata.FindIndex(pair => pair.Key == key);
        if (at >= 0)
        {
            _metadata[at] = new(key, value);
        }
        else
        {
            _metadata.Add(new(key, value));
        }
    }

    /// <summary>
    /// Adds a tensor of <paramref name="shape"/> (row-major, as torch and safetensors give it; GGUF stores the reverse)
    /// whose data <paramref name="produce"/> returns when the file is written: a CPU tensor of that shape and of the
    /// torch dtype matching <paramref name="type"/>.
    /// </summary>
    /// <exception cref="ArgumentException">A repeated name, an empty shape or a non-positive dimension.</exception>
    public void AddTensor(string name, GgmlType type, long[] shape, Func<Tensor> produce)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(produce);
        if (_tensors.Any(t => t.Name == name))
        {
            throw new ArgumentException($"tensor '{name}' was added twice", nameof(name));
        }

        if (shape.Length is 0 or > 4 || shape.Any(d => d <= 0))
        {
            throw new ArgumentException($"tensor '{name}': shape [{string.Join(", ", shape)}] must have 1 to 4 positive dimensions", nameof(shape));
        }

        long bytes = shape.Aggregate(1L, (a, b) => a * b) * Gguf.ElementSize(type);
        _tensors.Add(new PlannedTensor(name, type, shape, bytes, produce));
    }

    /// <summary>Writes the file to <paramref name="path"/> (replaced atomically if it exists).</summary>
    /// <exception cref="InvalidDataException">A producer returned a tensor of another shape or dtype (named).</exception>
    public void Write(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        string fullPath = Path.GetFullPath(path);
        string temporary = Path.Combine(Path.GetDirectoryName(fullPath)!, $".{Path.GetFileName(fullPath)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1 << 20))
            {
                WriteHeader(stream);
                foreach (var tensor in _tensors)
                {
                    Pad(stream);
                    WriteData(stream, tensor);
                }

                Pad(stream);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, fullPath, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    private void WriteHeader(Stream stream)
    {
        var header = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        header.Write(Gguf.Magic);
        header.Write(Gguf.Version);
        header.Write((ulong)_tensors.Count);
        header.Write((ulong)_metadata.Count);
        foreach (var (key, value) in _metadata)
        {
            WriteString(header, key);
            header.Write((uint)value.Type);
            WriteValue(header, value);
        }

        long offset = 0;   // relative to the start of the data section
        foreach (var tensor in _tensors)
        {
            WriteString(header, tensor.Name);
            header.Write((uint)tensor.Shape.Length);
            for (int d = tensor.Shape.Length - 1; d >= 0; d--)
            {
                header.Write((ulong)tensor.Shape[d]);   // ne[0] is the innermost (row-major last) dimension
            }

            header.Write((uint)tensor.Type);
            header.Write((ulong)offset);
            offset = Gguf.Align(offset + tensor.Bytes);
        }

        header.Flush();
    }

    private static void WriteValue(BinaryWriter writer, GgufValue value)
    {
        switch (value.Type)
        {
            case GgufValueType.String:
                WriteString(writer, (string)value.Value);
                break;
            case GgufValueType.UInt32:
                writer.Write((uint)value.Value);
                break;
            case GgufValueType.Int32:
                writer.Write((int)value.Value);
                break;
            case GgufValueType.Float32:
                writer.Write((float)value.Value);
                break;
            case GgufValueType.Bool:
                writer.Write((byte)((bool)value.Value ? 1 : 0));
                break;
            case GgufValueType.UInt64:
                writer.Write((ulong)value.Value);
                break;
            case GgufValueType.Array:
                writer.Write((uint)value.ElementType);
                var array = (Array)value.Value;
                writer.Write((ulong)array.Length);
                foreach (var element in array)
                {
                    WriteValue(writer, new GgufValue(value.ElementType, element));
                }

                break;
            default:
                throw new NotSupportedException($"GGUF value type {value.Type} is not written by this writer");
        }
    }

    private static void WriteString(BinaryWriter writer, string text)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(text);
        writer.Write((ulong)bytes.Length);
        writer.Write(bytes);
    }

    private static void WriteData(Stream stream, PlannedTensor tensor)
    {
        using var scope = NewDisposeScope();
        var data = tensor.Produce();
        var expectedDtype = tensor.Type switch
        {
            GgmlType.F32 => ScalarType.Float32,
            GgmlType.F16 => ScalarType.Float16,
            _ => ScalarType.BFloat16,
        };
        if (data.dtype != expectedDtype || !data.shape.SequenceEqual(tensor.Shape) || data.device_type != DeviceType.CPU)
        {
            throw new InvalidDataException(
                $"tensor '{tensor.Name}': expected a CPU {expectedDtype} tensor [{string.Join(", ", tensor.Shape)}], got {data.device_type} {data.dtype} [{string.Join(", ", data.shape)}]");
        }

        stream.Write(data.contiguous().bytes);
    }

    private static void Pad(Stream stream)
    {
        long padding = Gguf.Align(stream.Position) - stream.Position;
        for (long i = 0; i < padding; i++)
        {
            stream.WriteByte(0);
        }
    }

    private sealed record PlannedTensor(string Name, GgmlType Type, long[] Shape, long Bytes, Func<Tensor> Produce);
}
