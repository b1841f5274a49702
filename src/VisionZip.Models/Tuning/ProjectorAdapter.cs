using System.Globalization;
using VisionZip.Models.IO;
using VisionZip.Models.Vision;
using static TorchSharp.torch;

namespace VisionZip.Models.Tuning;

/// <summary>
/// A tuned projector (VisionZip‡): only the projector tensors (<c>linear_1.weight</c>, <c>linear_1.bias</c>,
/// <c>linear_2.weight</c>, <c>linear_2.bias</c>) in a safetensors file, with metadata: the base checkpoint's fingerprint,
/// the budget and reducer it was tuned for, the steps, and the held-out scores before and after.
/// </summary>
/// <remarks>Owns its tensors; dispose it. Apply it with <see cref="ApplyTo"/>: a model whose fingerprint differs is refused.</remarks>
public sealed class ProjectorAdapter : IDisposable
{
    /// <summary>The <c>format</c> metadata value that marks an adapter file.</summary>
    public const string Format = "visionzip-projector-adapter";

    /// <summary>Makes an adapter from weights (taken over: the adapter disposes them) and its description.</summary>
    public ProjectorAdapter(IReadOnlyDictionary<string, Tensor> weights, string baseFingerprint, ZipBudget budget, string reducer, int steps,
        HeldOutScores? before = null, HeldOutScores? after = null)
    {
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(baseFingerprint);
        ArgumentNullException.ThrowIfNull(reducer);
        Weights = weights;
        BaseFingerprint = baseFingerprint;
        Budget = budget;
        Reducer = reducer;
        Steps = steps;
        Before = before;
        After = after;
    }

    /// <summary>The projector tensors by parameter name.</summary>
    public IReadOnlyDictionary<string, Tensor> Weights { get; }

    /// <summary><see cref="CheckpointFingerprint"/> of the checkpoint it was tuned on.</summary>
    public string BaseFingerprint { get; }

    /// <summary>The budget it was tuned for.</summary>
    public ZipBudget Budget { get; }

    /// <summary>The reducer it was tuned for.</summary>
    public string Reducer { get; }

    /// <summary>Optimizer steps of the run.</summary>
    public int Steps { get; }

    /// <summary>Held-out scores of the untuned projector, when recorded.</summary>
    public HeldOutScores? Before { get; }

    /// <summary>Held-out scores after tuning, when recorded.</summary>
    public HeldOutScores? After { get; }

    /// <summary>Reads an adapter file.</summary>
    /// <param name="path">The file.</param>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="InvalidDataException">Not an adapter file (malformed safetensors, wrong format or metadata).</exception>
    public static ProjectorAdapter Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var file = SafetensorsFile.Open(path);
        var meta = file.Metadata;
        if (!meta.TryGetValue("format", out string? format) || format != Format)
        {
            throw new InvalidDataException($"{path}: not a projector adapter (metadata 'format' is '{format}', expected '{Format}')");
        }

        string Field(string name) => meta.TryGetValue(name, out string? value)
            ? value
            : throw new InvalidDataException($"{path}: adapter metadata '{name}' is missing");
        ZipBudget budget;
        int steps;
        try
        {
            budget = ZipBudget.Parse(Field("budget"));
            steps = int.Parse(Field("steps"), CultureInfo.InvariantCulture);
        }
        catch (FormatException e)
        {
            throw new InvalidDataException($"{path}: adapter metadata is malformed: {e.Message}", e);
        }

        var weights = new Dictionary<string, Tensor>();
        foreach (string name in file.Tensors.Keys)
        {
            weights[name] = file.Read(name).DetachFromDisposeScope();
        }

        return new ProjectorAdapter(weights, Field("base_fingerprint"), budget, Field("reducer"), steps, Scores(meta, "before"), Scores(meta, "after"));
    }

    /// <summary>Writes the adapter atomically.</summary>
    /// <param name="path">The file to write.</param>
    public void Write(string path)
    {
        var meta = new Dictionary<string, string>
        {
            ["format"] = Format,
            ["base_fingerprint"] = BaseFingerprint,
            ["budget"] = Budget.ToString(),
            ["reducer"] = Reducer,
            ["steps"] = Steps.ToString(CultureInfo.InvariantCulture),
        };
        AddScores(meta, "before", Before);
        AddScores(meta, "after", After);
        SafetensorsWriter.Write(path, Weights.OrderBy(p => p.Key, StringComparer.Ordinal), meta);
    }

    /// <summary>Loads the adapter's weights into <paramref name="projector"/> after checking it belongs to <paramref name="checkpointDirectory"/>.</summary>
    /// <param name="projector">The loaded model's projector.</param>
    /// <param name="checkpointDirectory">The directory the model was loaded from.</param>
    /// <param name="source">The adapter's path, for messages.</param>
    /// <exception cref="InvalidDataException">The fingerprint differs (tuned on another checkpoint) or the tensors do not fit.</exception>
    public void ApplyTo(LlavaMultiModalProjector projector, string checkpointDirectory, string source)
    {
        ArgumentNullException.ThrowIfNull(projector);
        string fingerprint = CheckpointFingerprint.Compute(checkpointDirectory);
        if (fingerprint != BaseFingerprint)
        {
            throw new InvalidDataException(
                $"{source}: this projector adapter was tuned on another checkpoint (fingerprint {BaseFingerprint[..12]}..., " +
                $"{checkpointDirectory} has {fingerprint[..12]}...); refusing to load it");
        }

        projector.LoadWeights(Weights, source);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var tensor in Weights.Values)
        {
            tensor.Dispose();
        }
    }

    private static void AddScores(Dictionary<string, string> meta, string prefix, HeldOutScores? scores)
    {
        if (scores is not null)
        {
            meta[$"heldout_kl_{prefix}"] = scores.MeanKl.ToString("R", CultureInfo.InvariantCulture);
            meta[$"heldout_agreement_{prefix}"] = scores.Agreement.ToString("R", CultureInfo.InvariantCulture);
        }
    }

    private static HeldOutScores? Scores(IReadOnlyDictionary<string, string> meta, string prefix) =>
        meta.TryGetValue($"heldout_kl_{prefix}", out string? kl) && meta.TryGetValue($"heldout_agreement_{prefix}", out string? agreement)
        && double.TryParse(kl, CultureInfo.InvariantCulture, out double klValue) && double.TryParse(agreement, CultureInfo.InvariantCulture, out double agreeValue)
            ? new HeldOutScores(klValue, agreeValue)
            : null;
}
