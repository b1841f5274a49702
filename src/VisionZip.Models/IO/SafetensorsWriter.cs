using System.Buffers.Binary;
using System.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace VisionZip.Models.IO;

/// <summary>
/// Writes tensors to a <c>.safetensors</c> file that <see cref="SafetensorsFile"/> and the reference
/// implementation (Python <c>safetensors</c>) read back bit for bit.
/// </summary>
/// <remarks>
/// Layout follows the reference writer: the JSON header is padded with spaces to a multiple of 8 bytes,
/// and tensors are stored by dtype (the reference's order, largest elements first), then by name, so every
/// tensor's data is aligned to its element size; the header lists them in that order after
/// <c>__metadata__</c> (keys sorted), so files come out byte-identical to the reference writer's for
/// ordinary names. Tensors may live on any device and need not be contiguous; each is copied to a
/// contiguous CPU tensor one at a time and streamed to disk, so memory use stays at one tensor.
/// The write is atomic: data goes to a temporary file in the target's directory that then replaces
/// the target by rename, so a failed write leaves neither a partial file nor a damaged existing one.
/// The replaced file gets the default permissions of a new file. Thread-safe (no shared state).
/// </remarks>
public static class SafetensorsWriter
{
    private static readonly Comparer<byte[]> Utf8NameOrder = Comparer<byte[]>.Create((a, b) => a.AsSpan().SequenceCompareTo(b));

    /// <summary>Writes <paramref name="tensors"/> (and optional string metadata) to <paramref name="path"/>.</summary>
    /// <param name="path">Target file; replaced atomically if it exists. Its directory must exist.</param>
    /// <param name="tensors">Names and tensors; any device, any dtype in <see cref="SafetensorsDType.Supported"/>. Not modified or disposed.</param>
    /// <param name="metadata">Stored as the header's <c>__metadata__</c> map (e.g. <c>format = pt</c>); omitted when null or empty.</param>
    /// <exception cref="ArgumentNullException"><paramref name="path"/> or <paramref name="tensors"/> is null.</exception>
    /// <exception cref="ArgumentException">
    /// A name is null, repeated or <c>__metadata__</c>; a tensor is null or of a dtype safetensors cannot store;
    /// a metadata key or value is null. The message names the tensor or key.
    /// </exception>
    /// <exception cref="DirectoryNotFoundException">The target directory does not exist.</exception>
    /// <exception cref="IOException">The file could not be written or moved into place (the target is then unchanged).</exception>
    public static void Write(string path, IEnumerable<KeyValuePair<string, Tensor>> tensors, IReadOnlyDictionary<string, string>? metadata = null) =>
        Write(path, tensors, metadata, afterTensor: null);

    /// <summary>As the public overload; <paramref name="afterTensor"/> runs after each tensor's data is written (tests inject failures here).</summary>
    internal static void Write(string path, IEnumerable<KeyValuePair<string, Tensor>> tensors, IReadOnlyDictionary<string, string>? metadata,
        Action<string>? afterTensor)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(tensors);
        string fullPath = Path.GetFullPath(path);
        CheckMetadata(metadata);
        var (entries, sources) = Plan(tensors);
        byte[] header = SafetensorsHeader.Serialize(entries, metadata);
        if (header.Length > SafetensorsFile.MaxHeaderBytes)
        {
            throw new ArgumentException(
                $"the header for {entries.Count} tensors would take {header.Length} bytes, over the {SafetensorsFile.MaxHeaderBytes}-byte limit readers accept",
                nameof(tensors));
        }

        string directory = Path.GetDirectoryName(fullPath) ?? throw new ArgumentException($"'{fullPath}' has no directory", nameof(path));
        string temporary = Path.Combine(directory, $".{Path.GetFileName(fullPath)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1 << 16))
            {
                Span<byte> prefix = stackalloc byte[8];
                BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)header.Length);
                stream.Write(prefix);
                stream.Write(header);
                for (int i = 0; i < entries.Count; i++)
                {
                    WriteData(stream, entries[i], sources[i]);
                    afterTensor?.Invoke(entries[i].Name);
                }

                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, fullPath, overwrite: true);
        }
        catch
        {
            TryDelete(temporary);
            throw;
        }
    }

    private static void CheckMetadata(IReadOnlyDictionary<string, string>? metadata)
    {
        if (metadata is null)
        {
            return;
        }

        foreach (var (key, value) in metadata)
        {
            if (key is null || value is null)
            {
                throw new ArgumentException($"metadata entry '{key}' has a null key or value", nameof(metadata));
            }
        }
    }

    /// <summary>Validates every name and tensor and lays the tensors out in reference order, before any file is touched.</summary>
    private static (List<SafetensorsTensorInfo> Entries, List<Tensor> Sources) Plan(IEnumerable<KeyValuePair<string, Tensor>> tensors)
    {
        var named = new List<(string Name, Tensor Tensor, string DType, int ElementSize, byte[] Utf8Name)>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, tensor) in tensors)
        {
            if (name is null)
            {
                throw new ArgumentException("a tensor has a null name", nameof(tensors));
            }

            if (name == SafetensorsHeader.MetadataKey)
            {
                throw new ArgumentException($"tensor '{name}': the name is reserved for the header's metadata", nameof(tensors));
            }

            if (!seen.Add(name))
            {
                throw new ArgumentException($"tensor '{name}' appears more than once", nameof(tensors));
            }

            if (tensor is null)
            {
                throw new ArgumentException($"tensor '{name}' is null", nameof(tensors));
            }

            string dtype;
            try
            {
                dtype = SafetensorsDType.NameOf(tensor.dtype);
            }
            catch (ArgumentException e)
            {
                throw new ArgumentException($"tensor '{name}': {e.Message}", nameof(tensors), e);
            }

            SafetensorsDType.TryParse(dtype, out _, out int elementSize);
            named.Add((name, tensor, dtype, elementSize, Encoding.UTF8.GetBytes(name)));
        }

        // The reference order: dtype rank descending (largest elements first, so every tensor stays aligned
        // to its element size), then the name's UTF-8 bytes.
        var ordered = named
            .OrderByDescending(t => SafetensorsDType.ReferenceRank(t.DType))
            .ThenBy(t => t.Utf8Name, Utf8NameOrder)
            .ToList();
        var entries = new List<SafetensorsTensorInfo>(ordered.Count);
        long offset = 0;
        foreach (var (name, tensor, dtype, elementSize, _) in ordered)
        {
            long[] shape = tensor.shape;
            long end = checked(offset + tensor.numel() * elementSize);
            entries.Add(new SafetensorsTensorInfo(name, dtype, tensor.dtype, shape, offset, end));
            offset = end;
        }

        return (entries, ordered.Select(t => t.Tensor).ToList());
    }

    private static void WriteData(FileStream stream, SafetensorsTensorInfo entry, Tensor source)
    {
        if (entry.ByteLength == 0)
        {
            return;
        }

        using var scope = NewDisposeScope();
        var flat = source.detach().to(CPU).contiguous().view(-1);
        long elementSize = flat.ElementSize;
        if (flat.dtype != entry.Type || flat.shape[0] * elementSize != entry.ByteLength)
        {
            throw new InvalidOperationException(
                $"tensor '{entry.Name}' changed while being written: now {flat.dtype} with {flat.shape[0]} elements, planned {entry.DType} [{string.Join(", ", entry.Shape)}]");
        }

        long chunkElements = Math.Max(1, SafetensorsFile.CopyChunkBytes / elementSize);
        for (long start = 0; start < flat.shape[0]; start += chunkElements)
        {
            long count = Math.Min(chunkElements, flat.shape[0] - start);
            using var part = flat.narrow(0, start, count);
            stream.Write(part.bytes);
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Best effort: the original exception matters more than a stray temporary file.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
