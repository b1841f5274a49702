using VisionZip.Cli.Infrastructure;
using VisionZip.Cli.Options;

namespace VisionZip.Cli.Commands;

/// <summary>
/// How tokens are picked, as given on the command line; null fields keep the checkpoint's
/// <c>generation_config.json</c> (or transformers') defaults.
/// </summary>
/// <param name="Greedy">True for <c>--greedy</c>, false when a sampling option was given, null for the checkpoint default.</param>
/// <param name="Temperature">Softmax temperature (sampling).</param>
/// <param name="TopP">Nucleus mass (sampling).</param>
/// <param name="TopK">Keep the k best, 0 = off (sampling).</param>
/// <param name="Seed">Random seed (sampling).</param>
/// <param name="RepetitionPenalty">Penalty on tokens already present, 1 = off.</param>
internal sealed record SamplingChoice(bool? Greedy, double? Temperature, double? TopP, int? TopK, long? Seed, double? RepetitionPenalty)
{
    /// <summary>Applies the choice over <paramref name="defaults"/>.</summary>
    public VisionZip.Models.Generation.GenerationOptions Apply(VisionZip.Models.Generation.GenerationOptions defaults) => defaults with
    {
        DoSample = Greedy is bool greedy ? !greedy : defaults.DoSample,
        Temperature = Temperature is double t ? (float)t : defaults.Temperature,
        TopP = TopP is double p ? (float)p : defaults.TopP,
        TopK = TopK ?? defaults.TopK,
        Seed = Seed ?? defaults.Seed,
        RepetitionPenalty = RepetitionPenalty is double r ? (float)r : defaults.RepetitionPenalty,
    };
}

/// <summary>A checked <c>generate</c> invocation.</summary>
/// <param name="Model">Checkpoint directory (llava-hf or a bare decoder).</param>
/// <param name="Images">Full paths of the images, in prompt order.</param>
/// <param name="Prompt">User text (wrapped by the template unless <paramref name="Raw"/>), or null with input ids.</param>
/// <param name="Raw">True when <paramref name="Prompt"/> is the whole prompt.</param>
/// <param name="InputIds">Prompt ids given directly, or null.</param>
/// <param name="MaxNewTokens">Most tokens to generate.</param>
/// <param name="Sampling">Greedy or sampling settings.</param>
/// <param name="Stops">Stop strings.</param>
/// <param name="Zip">Vanilla or the VisionZip budget per image.</param>
/// <param name="ImageMode">'crop', 'pad' or null (the processor's default).</param>
/// <param name="Compute">dtype and device.</param>
/// <param name="Json">Print one JSON object instead of streaming text.</param>
/// <param name="LogitsOut">Full path of the logits safetensors, or null.</param>
/// <param name="ProjectorAdapters">Tuned projector adapter files to use, or null.</param>
internal sealed record GenerateRequest(
    ModelDirectory Model,
    IReadOnlyList<string> Images,
    string? Prompt,
    bool Raw,
    IReadOnlyList<long>? InputIds,
    int MaxNewTokens,
    SamplingChoice Sampling,
    IReadOnlyList<string> Stops,
    ZipChoice Zip,
    string? ImageMode,
    ComputeSettings Compute,
    bool Json,
    string? LogitsOut,
    IReadOnlyList<string>? ProjectorAdapters = null);
