using System.Text.Json;
using VisionZip.Models.Checkpoints;
using VisionZip.Models.Language;

namespace VisionZip.Models.Generation;

/// <summary>
/// How to generate: greedy or sampling (temperature, top-k, top-p, seed), repetition penalty, stop rules and
/// limits. Field meanings and defaults follow transformers' <c>GenerationConfig</c>, except
/// <see cref="MaxNewTokens"/> (256 here; transformers caps the total length at 20 by default).
/// </summary>
/// <remarks>Immutable; use <c>with</c> to change a field.</remarks>
public sealed record GenerationOptions
{
    /// <summary>Most tokens to generate per sequence (<c>max_new_tokens</c>).</summary>
    public int MaxNewTokens { get; init; } = 256;

    /// <summary>Sample from the processed distribution (<c>do_sample</c>); false = greedy.</summary>
    public bool DoSample { get; init; }

    /// <summary>Sampling temperature (<c>temperature</c>); ignored when greedy.</summary>
    public float Temperature { get; init; } = 1f;

    /// <summary>Keep only the k most likely tokens (<c>top_k</c>); 0 disables; ignored when greedy.</summary>
    public int TopK { get; init; } = 50;

    /// <summary>Nucleus mass to keep (<c>top_p</c>); 1 disables; ignored when greedy.</summary>
    public float TopP { get; init; } = 1f;

    /// <summary>Penalty for tokens already in the prompt or output (<c>repetition_penalty</c>); 1 disables.</summary>
    public float RepetitionPenalty { get; init; } = 1f;

    /// <summary>Token ids that end a sequence (<c>eos_token_id</c>, one or several); empty = never.</summary>
    public IReadOnlyList<int> EosTokenIds { get; init; } = [];

    /// <summary>Texts that end a sequence once its decoded output contains one (<c>stop_strings</c>); needs a detokenizer.</summary>
    public IReadOnlyList<string> StopStrings { get; init; } = [];

    /// <summary>Seed of the sampler; null draws a fresh one (reported in <see cref="GenerationResult.Seed"/>).</summary>
    public long? Seed { get; init; }

    /// <summary>Keep the raw logits that chose every token (step 0 = the prompt's last position).</summary>
    public bool ReturnLogits { get; init; }

    /// <summary>Checks every field.</summary>
    /// <exception cref="ArgumentException">A field is out of range; the message names it with its value.</exception>
    public void Validate()
    {
        Require(MaxNewTokens >= 1, nameof(MaxNewTokens), MaxNewTokens, "at least 1");
        Require(float.IsFinite(Temperature) && Temperature > 0, nameof(Temperature), Temperature, "positive and finite");
        Require(TopK >= 0, nameof(TopK), TopK, "0 (off) or more");
        Require(TopP > 0 && TopP <= 1, nameof(TopP), TopP, "in (0, 1]");
        Require(float.IsFinite(RepetitionPenalty) && RepetitionPenalty > 0, nameof(RepetitionPenalty), RepetitionPenalty, "positive and finite");
        Require(EosTokenIds.All(id => id >= 0), nameof(EosTokenIds), string.Join(", ", EosTokenIds), "non-negative ids");
        Require(StopStrings.All(s => !string.IsNullOrEmpty(s)), nameof(StopStrings), StopStrings.Count, "non-empty strings");
    }

    /// <summary>
    /// Reads <c>generation_config.json</c>: <c>do_sample</c>, <c>temperature</c>, <c>top_k</c>, <c>top_p</c>,
    /// <c>repetition_penalty</c>, <c>max_new_tokens</c>, <c>eos_token_id</c> (integer or list), <c>stop_strings</c>;
    /// absent fields keep the defaults of <paramref name="defaults"/> (or of this type). <c>max_length</c> is ignored.
    /// </summary>
    /// <exception cref="FileNotFoundException">No file at that path.</exception>
    /// <exception cref="InvalidDataException">Not valid JSON or a field of the wrong type; names the file and field.</exception>
    public static GenerationOptions FromGenerationConfig(string path, GenerationOptions? defaults = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        string fullPath = Path.GetFullPath(path);
        return FromJson(JsonPolicy.ReadObject(fullPath, "generation config"), fullPath, defaults);
    }

    /// <summary>
    /// The checkpoint's <c>generation_config.json</c> (as <see cref="FromGenerationConfig"/>), or
    /// <paramref name="defaults"/> (or this type's defaults) when the directory has none.
    /// </summary>
    /// <param name="directory">The opened checkpoint directory; the file is parsed once per directory.</param>
    /// <param name="defaults">What absent fields keep.</param>
    /// <exception cref="InvalidDataException">Not valid JSON or a field of the wrong type; names the file and field.</exception>
    public static GenerationOptions FromCheckpoint(CheckpointDirectory directory, GenerationOptions? defaults = null)
    {
        ArgumentNullException.ThrowIfNull(directory);
        return directory.Json(FileName) is { } root
            ? FromJson(root, directory.FilePath(FileName), defaults)
            : defaults ?? new GenerationOptions();
    }

    /// <summary>The file name Hugging Face uses for generation defaults.</summary>
    public const string FileName = "generation_config.json";

    /// <summary>Reads generation options from a JSON object with <c>generation_config.json</c> field names.</summary>
    /// <exception cref="InvalidDataException">Not an object, or a field of the wrong type; names the source and field.</exception>
    public static GenerationOptions FromJson(JsonElement element, string source = "generation_config", GenerationOptions? defaults = null)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidDataException($"{source}: expected a JSON object, got {element.ValueKind}");
        }

        var json = new JsonFields(element, source);
        var options = defaults ?? new GenerationOptions();
        return options with
        {
            DoSample = json.Bool("do_sample") ?? options.DoSample,
            Temperature = (float?)json.Double("temperature") ?? options.Temperature,
            TopK = json.Int("top_k") ?? options.TopK,
            TopP = (float?)json.Double("top_p") ?? options.TopP,
            RepetitionPenalty = (float?)json.Double("repetition_penalty") ?? options.RepetitionPenalty,
            MaxNewTokens = json.Int("max_new_tokens") ?? options.MaxNewTokens,
            EosTokenIds = json.IntOrList("eos_token_id") ?? options.EosTokenIds,
            StopStrings = ReadStopStrings(json) ?? options.StopStrings,
        };
    }

    private static IReadOnlyList<string>? ReadStopStrings(JsonFields json)
    {
        if (json.Get("stop_strings") is not { } value)
        {
            return null;
        }

        return value.ValueKind switch
        {
            JsonValueKind.String => [value.GetString()!],
            JsonValueKind.Array when value.EnumerateArray().All(e => e.ValueKind == JsonValueKind.String) =>
                value.EnumerateArray().Select(e => e.GetString()!).ToList(),
            _ => throw json.Wrong("stop_strings", "a string or a list of strings", value),
        };
    }

    private static void Require(bool condition, string name, object value, string expected)
    {
        if (!condition)
        {
            throw new ArgumentException($"GenerationOptions.{name} must be {expected}, got {value}", name);
        }
    }
}
