using System.Text.Json;
using VisionZip.Models.Errors;
using static TorchSharp.torch;

namespace VisionZip.Models.IO;

/// <summary>
/// A checkpoint stored as one or more safetensors files: a single file, a directory with
/// <c>model.safetensors</c>, or a sharded directory described by <c>model.safetensors.index.json</c>.
/// Tensor names are looked up across all shards.
/// </summary>
/// <remarks>Reads are thread-safe. Dispose to unmap every shard.</remarks>
public sealed class SafetensorsCheckpoint : IDisposable
{
    /// <summary>Name of the shard index file Hugging Face writes next to sharded weights.</summary>
    public const string IndexFileName = "model.safetensors.index.json";

    /// <summary>Name of the single weights file Hugging Face writes when weights are not sharded.</summary>
    public const string SingleFileName = "model.safetensors";

    /// <summary>Largest <c>model.safetensors.index.json</c> read (a 7B index is about 30 KB).</summary>
    public const long MaxIndexBytes = SafetensorsFile.MaxHeaderBytes;

    private readonly List<SafetensorsFile> _files;
    private readonly Dictionary<string, SafetensorsFile> _byTensor;

    private SafetensorsCheckpoint(string source, List<SafetensorsFile> files, Dictionary<string, SafetensorsFile> byTensor)
    {
        Source = source;
        _files = files;
        _byTensor = byTensor;
    }

    /// <summary>The file or directory the checkpoint was opened from.</summary>
    public string Source { get; }

    /// <summary>The files that make up the checkpoint.</summary>
    public IReadOnlyList<SafetensorsFile> Files => _files;

    /// <summary>All tensor names across the shards.</summary>
    public IEnumerable<string> Names => _byTensor.Keys;

    /// <summary>
    /// Opens a checkpoint from a <c>.safetensors</c> file, or from a directory holding
    /// <c>model.safetensors.index.json</c>, <c>model.safetensors</c> or <c>model-XXXXX-of-YYYYY.safetensors</c> shards.
    /// </summary>
    /// <exception cref="FileNotFoundException">Nothing to open at that path.</exception>
    /// <exception cref="CheckpointException">A file or the index is malformed, or a shard the index names is missing.</exception>
    public static SafetensorsCheckpoint Open(string path)
    {
        string fullPath = Path.GetFullPath(path);
        if (File.Exists(fullPath))
        {
            return FromFiles(fullPath, [fullPath], expected: null);
        }

        if (!Directory.Exists(fullPath))
        {
            throw new FileNotFoundException($"checkpoint not found: {fullPath}", fullPath);
        }

        string index = Path.Combine(fullPath, IndexFileName);
        if (File.Exists(index))
        {
            var weightMap = ReadIndex(index);
            var shards = weightMap.Values.Distinct(StringComparer.Ordinal).ToList();
            foreach (string shard in shards)
            {
                string shardPath = Path.Combine(fullPath, shard);
                if (!File.Exists(shardPath))
                {
                    var held = weightMap.Where(p => p.Value == shard).Select(p => p.Key).ToList();
                    string others = held.Count > 1 ? $" and {held.Count - 1} more" : "";
                    throw new CheckpointException(index, $"{index}: shard file {shardPath} is missing; the index places tensor '{held[0]}'{others} in it");
                }
            }

            return FromFiles(fullPath, shards.Select(s => Path.Combine(fullPath, s)).ToList(), (index, weightMap));
        }

        string single = Path.Combine(fullPath, SingleFileName);
        if (File.Exists(single))
        {
            return FromFiles(fullPath, [single], expected: null);
        }

        var numbered = Directory.GetFiles(fullPath, "model-*-of-*.safetensors").Order(StringComparer.Ordinal).ToList();
        if (numbered.Count > 0)
        {
            return FromFiles(fullPath, numbered, expected: null);
        }

        throw new FileNotFoundException(
            $"no weights in {fullPath}: expected {IndexFileName}, {SingleFileName} or model-XXXXX-of-YYYYY.safetensors", fullPath);
    }

    /// <summary>True when some shard holds a tensor of that name.</summary>
    public bool Contains(string name) => _byTensor.ContainsKey(name);

    /// <summary>The header entry of a tensor, or null when absent.</summary>
    public SafetensorsTensorInfo? Info(string name) =>
        _byTensor.TryGetValue(name, out var file) ? file.Tensors[name] : null;

    /// <summary>Reads one tensor, optionally converting its dtype and moving it to a device.</summary>
    /// <exception cref="KeyNotFoundException">No shard holds that tensor; the message names the checkpoint.</exception>
    public Tensor Read(string name, ScalarType? dtype = null, Device? device = null)
    {
        if (!_byTensor.TryGetValue(name, out var file))
        {
            throw new KeyNotFoundException($"{Source}: no tensor named '{name}'");
        }

        return file.Read(name, dtype, device);
    }

    /// <summary>
    /// Reads a model weight like <see cref="Read"/> and checks that every value is finite after the conversion to
    /// <paramref name="dtype"/> (a NaN projector would otherwise turn every answer into token 0, and a float32 value
    /// past 65504 becomes infinite in float16).
    /// </summary>
    /// <exception cref="KeyNotFoundException">No shard holds that tensor.</exception>
    /// <exception cref="CheckpointException">The weight holds NaN or infinite values; the message names the file, the tensor and how many.</exception>
    public Tensor ReadWeight(string name, ScalarType? dtype = null, Device? device = null)
    {
        var tensor = Read(name, dtype, device);
        try
        {
            WeightValues.RequireFinite(tensor, _byTensor[name].Path, name);
        }
        catch
        {
            tensor.Dispose();
            throw;
        }

        return tensor;
    }

    private static Dictionary<string, string> ReadIndex(string index)
    {
        try
        {
            long length = new FileInfo(index).Length;
            if (length > MaxIndexBytes)
            {
                throw new ResourceLimitException(index, "the index size in bytes", length, MaxIndexBytes,
                    $"{nameof(SafetensorsCheckpoint)}.{nameof(MaxIndexBytes)} (fixed)");
            }

            byte[] bytes = File.ReadAllBytes(index);
            if (!System.Text.Unicode.Utf8.IsValid(bytes))
            {
                throw new CheckpointException(index, $"{index}: not valid UTF-8 text");
            }

            using var document = JsonDocument.Parse(bytes);
            if (document.RootElement.ValueKind != JsonValueKind.Object ||
                !document.RootElement.TryGetProperty("weight_map", out var map) || map.ValueKind != JsonValueKind.Object)
            {
                throw new CheckpointException(index, $"{index}: expected an object with a 'weight_map' object");
            }

            var weightMap = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var entry in map.EnumerateObject())
            {
                string? shard = entry.Value.ValueKind == JsonValueKind.String ? entry.Value.GetString() : null;
                if (string.IsNullOrEmpty(shard) || shard != Path.GetFileName(shard))
                {
                    throw new CheckpointException(index, $"{index}: tensor '{entry.Name}' maps to '{entry.Value.GetRawText()}', not a file name in this directory");
                }

                weightMap[entry.Name] = shard;
            }

            if (weightMap.Count == 0)
            {
                throw new CheckpointException(index, $"{index}: 'weight_map' lists no tensors");
            }

            return weightMap;
        }
        catch (JsonException e)
        {
            throw new CheckpointException(index, $"{index}: not valid JSON ({e.Message})", inner: e);
        }
    }

    private static SafetensorsCheckpoint FromFiles(string source, IReadOnlyList<string> paths,
        (string Index, Dictionary<string, string> WeightMap)? expected)
    {
        var files = new List<SafetensorsFile>();
        try
        {
            var byTensor = new Dictionary<string, SafetensorsFile>(StringComparer.Ordinal);
            foreach (string path in paths)
            {
                var file = SafetensorsFile.Open(path);
                files.Add(file);
                foreach (string name in file.Tensors.Keys)
                {
                    if (!byTensor.TryAdd(name, file))
                    {
                        throw new CheckpointException(source, $"{source}: tensor '{name}' appears in both {byTensor[name].Path} and {path}");
                    }
                }
            }

            if (expected is var (index, weightMap))
            {
                foreach (var (name, shard) in weightMap)
                {
                    if (!byTensor.TryGetValue(name, out var holder) || Path.GetFileName(holder.Path) != shard)
                    {
                        throw new CheckpointException(index, $"{index}: tensor '{name}' is listed in shard '{shard}' but that shard does not hold it");
                    }
                }
            }

            return new SafetensorsCheckpoint(source, files, byTensor);
        }
        catch
        {
            files.ForEach(f => f.Dispose());
            throw;
        }
    }

    /// <inheritdoc />
    public void Dispose() => _files.ForEach(f => f.Dispose());
}
