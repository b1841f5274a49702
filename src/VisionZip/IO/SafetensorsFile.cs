using System.IO.MemoryMappedFiles;
using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;

namespace VisionZip.IO;

/// <summary>
/// One <c>.safetensors</c> file, memory-mapped. The header is validated in full when the file is
/// opened; tensors are copied from the mapping straight into native tensor memory on <see cref="Read"/>
/// (no managed copy of the file, files and offsets beyond 2 GiB supported).
/// </summary>
/// <remarks>Reads are thread-safe. Dispose to unmap the file; tensors already read stay valid.</remarks>
public sealed class SafetensorsFile : IDisposable
{
    /// <summary>Largest header accepted (the format's own reference implementation uses the same bound).</summary>
    public const long MaxHeaderBytes = 100_000_000;
    private const int CopyChunkBytes = 1 << 30;

    private readonly MemoryMappedFile _mapping;
    private readonly MemoryMappedViewAccessor _view;
    private readonly long _dataStart;
    private readonly Dictionary<string, SafetensorsTensorInfo> _tensors;
    private bool _disposed;

    private SafetensorsFile(string path, MemoryMappedFile mapping, MemoryMappedViewAccessor view, long dataStart,
        Dictionary<string, SafetensorsTensorInfo> tensors, Dictionary<string, string> metadata)
    {
        Path = path;
        _mapping = mapping;
        _view = view;
        _dataStart = dataStart;
        _tensors = tensors;
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
    /// <exception cref="InvalidDataException">The file is malformed; the message names the file and, where one is at fault, the tensor.</exception>
    public static SafetensorsFile Open(string path)
    {
        string fullPath = System.IO.Path.GetFullPath(path);
        if (!File.Exists(fullPath))
        {
            throw new FileNotFoundException($"safetensors file not found: {fullPath}", fullPath);
        }

        long fileLength = new FileInfo(fullPath).Length;
        if (fileLength < 8)
        {
            throw Invalid(fullPath, null, $"file has {fileLength} bytes, fewer than the 8-byte header length");
        }

        var mapping = MemoryMappedFile.CreateFromFile(fullPath, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
        MemoryMappedViewAccessor? view = null;
        try
        {
            view = mapping.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
            ulong headerLength = view.ReadUInt64(0);
            if (headerLength == 0 || headerLength > MaxHeaderBytes || headerLength > (ulong)(fileLength - 8))
            {
                throw Invalid(fullPath, null, $"header length {headerLength} is out of bounds (file has {fileLength} bytes)");
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
            mapping.Dispose();
            throw;
        }
    }

    /// <summary>True when the file holds a tensor of that name.</summary>
    public bool Contains(string name) => _tensors.ContainsKey(name);

    /// <summary>Reads one tensor into a new CPU tensor, optionally converting dtype and moving it to a device.</summary>
    /// <param name="name">Tensor name as stored.</param>
    /// <param name="dtype">Convert to this type after reading; null keeps the stored type.</param>
    /// <param name="device">Move to this device after reading; null keeps it on the CPU.</param>
    /// <exception cref="KeyNotFoundException">No tensor of that name; the message names the file.</exception>
    public Tensor Read(string name, ScalarType? dtype = null, Device? device = null)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!_tensors.TryGetValue(name, out var info))
        {
            throw new KeyNotFoundException($"{Path}: no tensor named '{name}'");
        }

        using var scope = NewDisposeScope();
        var tensor = empty(info.Shape, info.Type);
        CopyInto(tensor, info);
        if (dtype is { } type && type != info.Type)
        {
            tensor = tensor.to(type);
        }

        if (device is not null && device.type != DeviceType.CPU)
        {
            tensor = tensor.to(device);
        }

        return tensor.MoveToOuterDisposeScope();
    }

    private unsafe void CopyInto(Tensor tensor, SafetensorsTensorInfo info)
    {
        if (info.ByteLength == 0)
        {
            return;
        }

        byte* basePointer = null;
        var handle = _view.SafeMemoryMappedViewHandle;
        handle.AcquirePointer(ref basePointer);
        try
        {
            byte* source = basePointer + _view.PointerOffset + _dataStart + info.Begin;
            using var flat = tensor.view(-1);
            long elementSize = info.ByteLength / info.ElementCount;
            long chunkElements = Math.Max(1, CopyChunkBytes / elementSize);
            for (long start = 0; start < info.ElementCount; start += chunkElements)
            {
                long count = Math.Min(chunkElements, info.ElementCount - start);
                using var part = flat.narrow(0, start, count);
                new ReadOnlySpan<byte>(source + start * elementSize, checked((int)(count * elementSize))).CopyTo(part.bytes);
            }
        }
        finally
        {
            handle.ReleasePointer();
        }
    }

    internal static InvalidDataException Invalid(string path, string? tensor, string problem) =>
        new(tensor is null ? $"{path}: {problem}" : $"{path}: tensor '{tensor}': {problem}");

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
}
