using System.Text.Json;
using System.Text.Json.Nodes;
using VisionZip.Models;
using VisionZip.Models.Errors;

namespace VisionZip.Cli.Infrastructure;

/// <summary>A checked <c>--model</c> directory: it exists and its config.json names a supported <c>model_type</c>.</summary>
public sealed class ModelDirectory
{
    private ModelDirectory(string path, string modelType, CheckpointKind kind, JsonObject config)
    {
        Path = path;
        ModelType = modelType;
        Kind = kind;
        Config = config;
    }

    /// <summary>Full path of the directory.</summary>
    public string Path { get; }

    /// <summary>config.json <c>model_type</c> as written.</summary>
    public string ModelType { get; }

    /// <summary>What the directory holds (decided by the library, <see cref="CheckpointKinds"/>).</summary>
    public CheckpointKind Kind { get; }

    /// <summary>The parsed config.json.</summary>
    public JsonObject Config { get; }

    /// <summary>True for a directory with a vision tower (CLIP, SigLIP or LLaVA).</summary>
    public bool HasVision => Kind.HasVision();

    /// <summary>True for a directory with a language model (LLaVA or a bare decoder).</summary>
    public bool HasLanguageModel => Kind.HasLanguageModel();

    /// <summary>Full path of a file inside the directory.</summary>
    public string File(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>
    /// Opens <paramref name="path"/> given as <paramref name="option"/>; the error names the option, the directory
    /// and what is wrong.
    /// </summary>
    public static ModelDirectory Open(string path, string option = "--model")
    {
        string fullPath = System.IO.Path.GetFullPath(path);
        if (System.IO.File.Exists(fullPath))
        {
            throw new CliException($"{option} {path}: is a file; expected a checkpoint directory (config.json + *.safetensors)");
        }

        if (!Directory.Exists(fullPath))
        {
            throw new CliException($"{option} {path}: directory not found");
        }

        string configPath = System.IO.Path.Combine(fullPath, "config.json");
        if (!System.IO.File.Exists(configPath))
        {
            throw new CliException($"{option} {path}: no config.json in {fullPath}; expected a Hugging Face checkpoint directory");
        }

        JsonObject config;
        try
        {
            config = JsonNode.Parse(System.IO.File.ReadAllText(configPath)) as JsonObject
                ?? throw new CliException($"{configPath}: expected a JSON object");
        }
        catch (JsonException e)
        {
            throw new CliException($"{configPath}: not valid JSON ({e.Message})", e);
        }

        string modelType = config["model_type"] is JsonValue value && value.TryGetValue(out string? text) ? text : "";
        string? visionType = config["vision_config"] is JsonObject vision && vision["model_type"] is JsonValue v && v.TryGetValue(out string? vt) ? vt : null;
        CheckpointKind kind;
        try
        {
            kind = CheckpointKinds.FromModelType(modelType, visionType, configPath);
        }
        catch (CheckpointException e)
        {
            throw new CliException(e.Message, e);
        }

        return new ModelDirectory(fullPath, modelType, kind, config);
    }

    /// <summary>Throws unless the directory holds a vision tower.</summary>
    public ModelDirectory RequireVision(string command)
    {
        if (!HasVision)
        {
            throw new CliException($"--model {Path}: '{command}' needs a vision encoder (CLIP, SigLIP or llava-hf directory), this is a bare '{ModelType}' decoder");
        }

        return this;
    }

    /// <summary>Throws unless the directory holds a language model.</summary>
    public ModelDirectory RequireLanguageModel(string command)
    {
        if (!HasLanguageModel)
        {
            throw new CliException($"--model {Path}: '{command}' needs a language model (llava-hf, llama, mistral or qwen2 directory), this is a '{ModelType}' vision encoder");
        }

        return this;
    }
}
