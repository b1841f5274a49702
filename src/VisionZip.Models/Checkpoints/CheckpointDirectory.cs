using System.Text;
using System.Text.Json;
using VisionZip.Models.Errors;
using VisionZip.Models.IO;

namespace VisionZip.Models.Checkpoints;

/// <summary>
/// A Hugging Face checkpoint directory opened for one load: every file is read (and every JSON file parsed, under one
/// strict policy) at most once, the safetensors checkpoint (one file or shards + index) is opened once and kept open,
/// and the part loaders (<c>VisionTower.Load</c>, <c>LlamaForCausalLM.Load</c>, <c>TokenizerLoader.Load</c>, ...) take
/// it instead of a path so they share what was read.
/// </summary>
/// <remarks>
/// Files are read lazily, on first use, so a directory without weights or without a tokenizer opens fine and fails
/// only when a loader needs the missing part (with a <see cref="FileNotFoundException"/> naming it).
/// <see cref="FileReads"/> counts the reads per file, so a test can check a load reads each file once.
/// Thread-safe. Dispose it after the load: tensors already copied out of <see cref="Weights"/> stay valid.
/// </remarks>
public sealed class CheckpointDirectory : IDisposable
{
    /// <summary>The model configuration file.</summary>
    public const string ConfigFile = "config.json";

    /// <summary>The model types <see cref="Kind"/> recognises, as listed in its errors.</summary>
    public static IReadOnlyList<string> SupportedModelTypes => CheckpointKinds.SupportedModelTypes;

    private readonly object _gate = new();
    private readonly Dictionary<string, JsonElement?> _json = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string?> _text = new(StringComparer.Ordinal);
    private readonly Dictionary<string, byte[]?> _bytes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _reads = new(StringComparer.Ordinal);
    private SafetensorsCheckpoint? _weights;
    private CheckpointKind? _kind;
    private string? _modelType;
    private bool _disposed;

    private CheckpointDirectory(string path)
    {
        Path = path;
    }

    /// <summary>The directory's full path.</summary>
    public string Path { get; }

    /// <summary>
    /// What the directory holds, from <c>config.json</c>'s <c>model_type</c> by <see cref="CheckpointKinds.FromModelType"/>
    /// (the one rule set: <c>llava</c> with a SigLIP <c>vision_config</c> is LLaVA-Interleave, else LLaVA-1.5).
    /// </summary>
    /// <exception cref="FileNotFoundException">The directory has no <c>config.json</c>.</exception>
    /// <exception cref="InvalidDataException">config.json breaks the JSON policy; the message names the file.</exception>
    /// <exception cref="CheckpointException">No <c>model_type</c>, or one not supported; the message names the file and
    /// lists the supported types.</exception>
    public CheckpointKind Kind
    {
        get
        {
            lock (_gate)
            {
                if (_kind is null)
                {
                    (_kind, _modelType) = DetectKind(RequireJson(ConfigFile, "model config"), FilePath(ConfigFile));
                }

                return _kind.Value;
            }
        }
    }

    /// <summary><c>config.json</c>'s <c>model_type</c> as written (e.g. "llava", "clip_vision_model"), for messages.</summary>
    /// <exception cref="FileNotFoundException">The directory has no <c>config.json</c>.</exception>
    /// <exception cref="CheckpointException">As <see cref="Kind"/>.</exception>
    public string ModelType
    {
        get
        {
            lock (_gate)
            {
                _ = Kind;
                return _modelType!;
            }
        }
    }

    /// <summary>True when the checkpoint holds a vision encoder (every kind but <see cref="CheckpointKind.Decoder"/>).</summary>
    /// <exception cref="FileNotFoundException">The directory has no <c>config.json</c>.</exception>
    /// <exception cref="CheckpointException">As <see cref="Kind"/>.</exception>
    public bool HasVisionEncoder => Kind.HasVision();

    /// <summary>True when the checkpoint holds a language model (a decoder or a LLaVA kind, not a bare CLIP / SigLIP encoder).</summary>
    /// <exception cref="FileNotFoundException">The directory has no <c>config.json</c>.</exception>
    /// <exception cref="CheckpointException">As <see cref="Kind"/>.</exception>
    public bool HasLanguageModel => Kind.HasLanguageModel();

    /// <summary>
    /// The safetensors checkpoint (<c>model.safetensors.index.json</c> + shards, <c>model.safetensors</c>, or numbered
    /// shards), opened on first use and kept open until this directory is disposed.
    /// </summary>
    /// <exception cref="FileNotFoundException">The directory has no weights.</exception>
    /// <exception cref="VisionZip.Models.Errors.CheckpointException">A weights file or the index is malformed.</exception>
    public SafetensorsCheckpoint Weights
    {
        get
        {
            lock (_gate)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                if (_weights is null)
                {
                    _weights = SafetensorsCheckpoint.Open(Path);
                    if (File.Exists(FilePath(SafetensorsCheckpoint.IndexFileName)))
                    {
                        CountRead(SafetensorsCheckpoint.IndexFileName);
                    }

                    foreach (var file in _weights.Files)
                    {
                        CountRead(System.IO.Path.GetFileName(file.Path));
                    }
                }

                return _weights;
            }
        }
    }

    /// <summary>How many times each file was read through this directory (file name -> reads); a load reads each once.</summary>
    public IReadOnlyDictionary<string, int> FileReads
    {
        get
        {
            lock (_gate)
            {
                return new Dictionary<string, int>(_reads, StringComparer.Ordinal);
            }
        }
    }

    /// <summary>Opens a checkpoint directory (reads nothing yet).</summary>
    /// <param name="directory">The directory.</param>
    /// <exception cref="DirectoryNotFoundException">It does not exist (or is a file).</exception>
    public static CheckpointDirectory Open(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        string full = System.IO.Path.GetFullPath(directory);
        if (!Directory.Exists(full))
        {
            throw new DirectoryNotFoundException(File.Exists(full)
                ? $"{full} is a file; expected a checkpoint directory (config.json + *.safetensors)"
                : $"checkpoint directory not found: {full}");
        }

        return new CheckpointDirectory(full);
    }

    /// <summary>
    /// For the path-based part loaders (thin wrappers over the <see cref="CheckpointDirectory"/> overloads): a missing
    /// directory is a <see cref="FileNotFoundException"/>, as those loaders documented before the directory existed.
    /// </summary>
    internal static CheckpointDirectory OpenForLoader(string directory, string what)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        string full = System.IO.Path.GetFullPath(directory);
        if (!Directory.Exists(full))
        {
            throw new FileNotFoundException($"{what}: no checkpoint directory at {full}", full);
        }

        return new CheckpointDirectory(full);
    }

    /// <summary>True when the directory holds a file of that name (checking reads nothing).</summary>
    public bool Contains(string fileName) => File.Exists(FilePath(fileName));

    /// <summary>The full path of a file in the directory.</summary>
    public string FilePath(string fileName) => System.IO.Path.Combine(Path, fileName);

    /// <inheritdoc/>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _weights?.Dispose();
            _weights = null;
        }
    }

    /// <summary>A JSON file's top-level object, parsed once under <see cref="JsonPolicy"/>; null when the file is absent.</summary>
    /// <exception cref="InvalidDataException">The file breaks the JSON policy; the message names it.</exception>
    internal JsonElement? Json(string fileName)
    {
        lock (_gate)
        {
            if (!_json.TryGetValue(fileName, out var element))
            {
                byte[]? bytes = ReadBytes(fileName);
                element = bytes is null ? null : JsonPolicy.ParseObject(bytes, FilePath(fileName));
                _json[fileName] = element;
            }

            return element;
        }
    }

    /// <summary>A JSON file that must exist.</summary>
    /// <exception cref="FileNotFoundException">It does not; <paramref name="what"/> says what it is for.</exception>
    internal JsonElement RequireJson(string fileName, string what) =>
        Json(fileName) ?? throw new FileNotFoundException($"{what} not found: {FilePath(fileName)}", FilePath(fileName));

    /// <summary>A text file (UTF-8), read once; null when absent.</summary>
    internal string? Text(string fileName)
    {
        lock (_gate)
        {
            if (!_text.TryGetValue(fileName, out string? text))
            {
                byte[]? bytes = ReadBytes(fileName);
                text = bytes is null ? null : new UTF8Encoding(false, throwOnInvalidBytes: false).GetString(StripBom(bytes));
                _text[fileName] = text;
            }

            return text;
        }
    }

    /// <summary>A binary file, read once; null when absent.</summary>
    internal byte[]? Bytes(string fileName)
    {
        lock (_gate)
        {
            return ReadBytes(fileName);
        }
    }

    // The one place a file's bytes are read; every other accessor caches what it builds from them.
    private byte[]? ReadBytes(string fileName)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_bytes.TryGetValue(fileName, out byte[]? bytes))
        {
            return bytes;
        }

        string path = FilePath(fileName);
        bytes = File.Exists(path) ? File.ReadAllBytes(path) : null;
        if (bytes is not null)
        {
            CountRead(fileName);
        }

        _bytes[fileName] = bytes;
        return bytes;
    }

    private void CountRead(string fileName) => _reads[fileName] = _reads.GetValueOrDefault(fileName) + 1;

    private static ReadOnlySpan<byte> StripBom(byte[] bytes) =>
        bytes.AsSpan().StartsWith(Encoding.UTF8.Preamble) ? bytes.AsSpan(Encoding.UTF8.Preamble.Length) : bytes;

    // The switch itself is CheckpointKinds.FromModelType (one place); this reads its inputs under the JSON policy.
    private static (CheckpointKind Kind, string ModelType) DetectKind(JsonElement config, string source)
    {
        string supported = string.Join(", ", SupportedModelTypes);
        if (!config.TryGetProperty("model_type", out var typeElement) || typeElement.ValueKind == JsonValueKind.Null)
        {
            throw new CheckpointException(source, $"{source}: no model_type; expected one of {supported}", field: "model_type");
        }

        if (typeElement.ValueKind != JsonValueKind.String)
        {
            throw new CheckpointException(source,
                $"{source}: 'model_type' must be a string, got {typeElement.GetRawText()}; expected one of {supported}", field: "model_type");
        }

        string modelType = typeElement.GetString()!;
        return (CheckpointKinds.FromModelType(modelType, NestedModelType(config, "vision_config"), source), modelType);
    }

    private static string? NestedModelType(JsonElement config, string section) =>
        config.TryGetProperty(section, out var nested) && nested.ValueKind == JsonValueKind.Object
        && nested.TryGetProperty("model_type", out var type) && type.ValueKind == JsonValueKind.String
            ? type.GetString()
            : null;
}
