using System.Buffers.Binary;
using System.IO.MemoryMappedFiles;
using TorchSharp;
using VisionZip.Models.Errors;
using static TorchSharp.torch;

namespace VisionZip.Models.IO;

/// <summary>
/// One <c>.safetensors</c> file, memory-mapped. The header is validated in full when the file is
/// opened; tensors are copied from the mapping straight into native tensor memory on <see cref="Read"/>
/// (no managed copy of the file, files and offsets beyond 2 GiB supported).
/// </summary>
/// <remarks>
/// Reads are thread-safe. Dispose to unmap the file; tensors already read stay valid.
/// The file must not be truncated or rewritten in place while it is open (replacing it by rename,
/// as <see cref="SafetensorsWriter"/> does, is safe: the mapping keeps the old contents).
/// </remarks>
public sealed class SafetensorsFile : IDisposable
{
    /// <summary>Largest header accepted (the format's own reference implementation uses the same bound).</summary>
    public const long MaxHeaderBytes = 100_000_000;

    /// <summary>Bytes copied per span; a span cannot exceed <see cref="int.MaxValue"/> bytes.</summary>
    internal const int CopyChunkBytes = 1 << 30;

    private readonly MemoryMappedFile _mapping;
    private readonly MemoryMappedViewAccessor _view;
    private readonly long _dataStart;
    private readonly Dictionary<string, SafetensorsTensorInfo> _tensors;
    private readonly Dictionary<string, Slot> _slots;
    private volatile bool _disposed;

    private SafetensorsFile(string path, MemoryMappedFile mapping, MemoryMappedViewAccessor view, long dataStart,
        Dictionary<string, SafetensorsTensorInfo> tensors, Dictionary<string, string> metadata)
    {
        Path = path;
        _mapping = mapping;
        _view = view;
        _dataStart = dataStart;
        _tensors = tensors;
        // Reads use private copies of the validated layout, so a caller mutating a public Shape array
        // can never make a read run past the tensor's bytes.
        _slots = tensors.ToDictionary(
            pair => pair.Key,
            pair => new Slot(pair.Value.Type, (long[])pair.Value.Shape.Clone(), pair.Value.Begin, pair.Value.ByteLength),
            StringComparer.Ordinal);
        Metadata = metadata;
    }

    /// <summary>Full path of the file.</summary>
    public string Path { get; }

    /// <summary>The header's <c>__metadata__</c> map (empty when absent).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Every tensor in the file by name.</summary>
    public IReadOnlyDictionary<string, SafetensorsTensorInfo> Tensors => _tensors;

    /// <summary>Opens and validates a safetensors file.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="CheckpointException">The file is malformed; the message names the file and, where one is at fault, the tensor.</exception>
    public static SafetensorsFile Open(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        string fullPath = System.IO.Path.GetFullPath(path);
        if (!File.Exists(fullPath))
        {
            throw new FileNotFoundException($"safetensors file not found: {fullPath}", fullPath);
        }

        var stream = new FileStream(fullPath, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1);
        MemoryMappedFile? mapping = null;
        MemoryMappedViewAccessor? view = null;
        try
        {
            long fileLength = stream.Length;
            if (fileLength < 8)
            {
                throw Invalid(fullPath, null, $"file has {fileLength} bytes, fewer than the 8-byte header length");
            }

            mapping = MemoryMappedFile.CreateFromFile(stream, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: false);
            view = mapping.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
            var prefix = new byte[8];
            view.ReadArray(0, prefix, 0, prefix.Length);
            ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(prefix);

            if (headerLength == 0 || headerLength > MaxHeaderBytes || headerLength > (ulong)(fileLength - 8))
            {
                throw Invalid(fullPath, null,
                    $"header length {headerLength} is out of bounds (must be 1..{Math.Min(MaxHeaderBytes, fileLength - 8)} for a file of {fileLength} bytes)");
            }

            var header = new byte[headerLength];
            view.ReadArray(8, header, 0, header.Length);
            long dataStart = 8 + (long)headerLength;
            var (tensors, metadata) = SafetensorsHeader.Parse(fullPath, header, fileLength - dataStart);
            return new SafetensorsFile(fullPath, mapping, view, dataStart, tensors, metadata);
        }
        catch
        {
            view?.Dispose();
            mapping?.Dispose();
            stream.Dispose();
            throw;
        }
    }

    /// <summary>True when the file holds a tensor of that name.</summary>
    public bool Contains(string name) => _tensors.ContainsKey(name);

    /// <summary>Reads one tensor into a new CPU tensor, optionally converting dtype and moving it to a device.</summary>
    /// <param name="name">Tensor name as stored.</param>
    /// <param name="dtype">Convert to this type after reading; null keeps the stored type.</param>
    /// <param name="device">Move to this device after reading; null keeps it on the CPU.</param>
    /// <returns>A new tensor the caller owns (registered with the caller's dispose scope, if any).</returns>
    /// <exception cref="KeyNotFoundException">No tensor of that name; the message names the file.</exception>
    /// <exception cref="CheckpointException">A <c>BOOL</c> tensor holds bytes other than 0 and 1.</exception>
    /// <exception cref="ObjectDisposedException">The file has been disposed.</exception>
    public Tensor Read(string name, ScalarType? dtype = null, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!_slots.TryGetValue(name, out var slot))
        {
            throw new KeyNotFoundException($"{Path}: no tensor named '{name}'");
        }

        using var scope = NewDisposeScope();
        var tensor = empty(slot.Shape, slot.Type, device: CPU);
        CopyInto(tensor, name, slot);
        ScalarType targetType = dtype ?? slot.Type;
        bool move = device is not null && device.type != DeviceType.CPU;
        if (move)
        {
            tensor = tensor.to(targetType, device!);
        }
        else if (targetType != slot.Type)
        {
            tensor = tensor.to(targetType);
        }

        return tensor.MoveToOuterDisposeScope();
    }

    private unsafe void CopyInto(Tensor tensor, string name, Slot slot)
    {
        if (slot.ByteLength == 0)
        {
            return;
        }

        byte* basePointer = null;
        var handle = _view.SafeMemoryMappedViewHandle;
        handle.AcquirePointer(ref basePointer);
        try
        {
            byte* source = basePointer + _view.PointerOffset + _dataStart + slot.Begin;
            using var flat = tensor.view(-1);
            long elementCount = flat.shape[0];
            long elementSize = slot.ByteLength / elementCount;
            long chunkElements = Math.Max(1, CopyChunkBytes / elementSize);
            for (long start = 0; start < elementCount; start += chunkElements)
            {
                long count = Math.Min(chunkElements, elementCount - start);
                var chunk = new ReadOnlySpan<byte>(source + start * elementSize, checked((int)(count * elementSize)));
                if (slot.Type == ScalarType.Bool)
                {
                    CheckBooleans(name, chunk, start);
                }

                using var part = flat.narrow(0, start, count);
                chunk.CopyTo(part.bytes);
            }
        }
        finally
        {
            handle.ReleasePointer();
        }
    }

    private void CheckBooleans(string name, ReadOnlySpan<byte> chunk, long firstElement)
    {
        int bad = chunk.IndexOfAnyExcept((byte)0, (byte)1);
        if (bad >= 0)
        {
            throw Invalid(Path, name, $"BOOL element {firstElement + bad} holds byte {chunk[bad]}; only 0 and 1 are valid");
        }
    }

    internal static CheckpointException Invalid(string path, string? tensor, string problem) =>
        new(path, tensor is null ? $"{path}: {problem}" : $"{path}: tensor '{tensor}': {problem}", tensor);

    /// <inheritdoc />
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _view.Dispose();
        _mapping.Dispose();
    }

    /// <summary>The validated layout of one tensor, private to this file.</summary>
    private readonly record struct Slot(ScalarType Type, long[] Shape, long Begin, long ByteLength);
}
