using System.Text.Json;
using VisionZip.Models.Errors;

namespace VisionZip.Models;

/// <summary>What a Hugging Face checkpoint directory holds, decided from its <c>config.json</c> in one place (<see cref="CheckpointKinds.Detect"/>).</summary>
public enum CheckpointKind
{
    /// <summary>A CLIP vision encoder (<c>clip</c>, <c>clip_vision_model</c>): encode only.</summary>
    ClipVision,

    /// <summary>A SigLIP vision encoder (<c>siglip</c>, <c>siglip_vision_model</c>): encode only.</summary>
    SiglipVision,

    /// <summary>A bare decoder (<c>llama</c>, <c>mistral</c>, <c>qwen2</c>): text generation only.</summary>
    Decoder,

    /// <summary>LLaVA-1.5 style <c>llava</c> (a CLIP tower): single tile.</summary>
    Llava15,

    /// <summary>LLaVA-Interleave style <c>llava</c> (a SigLIP tower): single tile.</summary>
    LlavaInterleave,

    /// <summary>LLaVA-NeXT <c>llava_next</c>: anyres tiles (base image + crops).</summary>
    LlavaNext,
}

/// <summary>Checkpoint kind detection and what each kind has.</summary>
public static class CheckpointKinds
{
    /// <summary>The <c>model_type</c> values this library loads, for messages.</summary>
    public static IReadOnlyList<string> SupportedModelTypes { get; } =
        ["clip", "clip_vision_model", "siglip", "siglip_vision_model", "llama", "mistral", "qwen2", "llava", "llava_next"];

    /// <summary>
    /// Reads <c>config.json</c>'s <c>model_type</c> (and, for <c>llava</c>, <c>vision_config.model_type</c>: a SigLIP tower means
    /// LLaVA-Interleave, anything else LLaVA-1.5).
    /// </summary>
    /// <param name="directory">The checkpoint directory.</param>
    /// <exception cref="DirectoryNotFoundException">No such directory.</exception>
    /// <exception cref="FileNotFoundException">No <c>config.json</c>.</exception>
    /// <exception cref="InvalidDataException">The config breaks the JSON policy (trailing comma, comment, duplicate key, ...); names the file, line and column.</exception>
    /// <exception cref="CheckpointException">The config has no <c>model_type</c>, or names one this library does not load.</exception>
    public static CheckpointKind Detect(string directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        string full = Path.GetFullPath(directory);
        if (!Directory.Exists(full))
        {
            throw new DirectoryNotFoundException($"checkpoint directory not found: {full}");
        }

        string path = Path.Combine(full, "config.json");
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{full}: no config.json; expected a Hugging Face checkpoint directory", path);
        }

        // config.json is read under the one JSON policy, and the kind decided by FromModelType, through CheckpointDirectory.
        using var checkpoint = Checkpoints.CheckpointDirectory.Open(full);
        return checkpoint.Kind;
    }

    /// <summary>The kind of a config's <c>model_type</c> (and, for <c>llava</c>, its <c>vision_config.model_type</c>).</summary>
    /// <param name="modelType">config.json <c>model_type</c>.</param>
    /// <param name="visionModelType"><c>vision_config.model_type</c>, if any.</param>
    /// <param name="source">The config file, for messages.</param>
    /// <exception cref="CheckpointException">No model type, or one this library does not load.</exception>
    public static CheckpointKind FromModelType(string? modelType, string? visionModelType, string source)
    {
        string path = source;
        string? visionType = visionModelType;
        return modelType switch
        {
            "clip" or "clip_vision_model" => CheckpointKind.ClipVision,
            "siglip" or "siglip_vision_model" => CheckpointKind.SiglipVision,
            "llama" or "mistral" or "qwen2" => CheckpointKind.Decoder,
            "llava" => visionType is not null && visionType.StartsWith("siglip", StringComparison.Ordinal) ? CheckpointKind.LlavaInterleave : CheckpointKind.Llava15,
            "llava_next" => CheckpointKind.LlavaNext,
            null or "" => throw new CheckpointException(path, $"{path}: no model_type; expected one of {string.Join(", ", SupportedModelTypes)}", field: "model_type"),
            _ => throw new CheckpointException(path, $"{path}: model_type '{modelType}' is not supported (supported: {string.Join(", ", SupportedModelTypes)})", field: "model_type"),
        };
    }

    /// <summary>True for the kinds with a vision tower.</summary>
    public static bool HasVision(this CheckpointKind kind) => kind != CheckpointKind.Decoder;

    /// <summary>True for the kinds with a language model.</summary>
    public static bool HasLanguageModel(this CheckpointKind kind) => kind is not (CheckpointKind.ClipVision or CheckpointKind.SiglipVision);

    /// <summary>True for the LLaVA kinds (vision tower, projector and language model).</summary>
    public static bool IsLlava(this CheckpointKind kind) => kind is CheckpointKind.Llava15 or CheckpointKind.LlavaInterleave or CheckpointKind.LlavaNext;

    /// <summary>
    /// The paper's VisionZip budget for the kind, per tile: LLaVA-NeXT 27+5 (160 tokens for a 2x2 grid), every other kind
    /// LLaVA-1.5's 54+10 (64 tokens).
    /// </summary>
    public static ZipBudget DefaultBudget(this CheckpointKind kind) => kind == CheckpointKind.LlavaNext ? ZipPresets.LlavaNext160 : ZipPresets.Llava15_64;

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
