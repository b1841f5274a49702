using System.Globalization;
using VisionZip.Models.IO;
using static TorchSharp.torch;

namespace VisionZip.Models.Tuning;

/// <summary>A resumable tuning state file: master weights and AdamW moments plus the step, tied to a model and settings.</summary>
internal static class TuningCheckpoint
{
    private const string Format = "visionzip-projector-tuning-state";

    internal static void Write(string path, IReadOnlyDictionary<string, Tensor> state, int step, string fingerprint, ProjectorTuningOptions options)
    {
        var meta = new Dictionary<string, string>
        {
            ["format"] = Format,
            ["step"] = step.ToString(CultureInfo.InvariantCulture),
            ["base_fingerprint"] = fingerprint,
            ["settings"] = Settings(options),
        };
        SafetensorsWriter.Write(path, state.OrderBy(p => p.Key, StringComparer.Ordinal), meta);
    }

    internal static (Dictionary<string, Tensor> State, int Step) Read(string path, string fingerprint, ProjectorTuningOptions options)
    {
        using var file = SafetensorsFile.Open(path);
        var meta = file.Metadata;
        string Field(string name) => meta.TryGetValue(name, out string? value)
            ? value
            : throw new InvalidDataException($"{path}: not a tuning checkpoint (metadata '{name}' is missing)");
        if (Field("format") != Format)
        {
            throw new InvalidDataException($"{path}: not a tuning checkpoint (format '{Field("format")}')");
        }

        if (Field("base_fingerprint") != fingerprint)
        {
            throw new InvalidDataException($"{path}: this checkpoint was made on another model; refusing to resume");
        }

        if (Field("settings") != Settings(options))
        {
            throw new InvalidDataException($"{path}: this checkpoint was made with other settings ({Field("settings")}); resume with the same ones");
        }

        if (!int.TryParse(Field("step"), CultureInfo.InvariantCulture, out int step) || step < 0)
        {
            throw new InvalidDataException($"{path}: step '{Field("step")}' is not a count");
        }

        var state = file.Tensors.Keys.ToDictionary(name => name, name => file.Read(name).DetachFromDisposeScope());
        return (state, step);
    }

    // The settings that decide the sequence of updates; Steps may grow on resume.
    private static string Settings(ProjectorTuningOptions o) => string.Create(CultureInfo.InvariantCulture,
        $"budget={o.Budget};reducer={o.Reducer};lr={o.LearningRate:R};warmup={o.WarmupSteps};wd={o.WeightDecay:R};clip={o.MaxGradientNorm:R};" +
        $"accumulate={o.GradientAccumulation};k={o.AnswerTokens};ce={o.CrossEntropyWeight:R};heldout={o.HeldOutFraction:R};seed={o.Seed}");
}
