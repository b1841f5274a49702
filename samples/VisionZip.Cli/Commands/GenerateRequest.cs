using VisionZip.Cli.Infrastructure;
using VisionZip.Cli.Options;

namespace VisionZip.Cli.Commands;

/// <summary>How tokens are picked: greedy, or sampled with temperature / top-k / top-p from a seed.</summary>
/// <param name="Greedy">Arg-max at every step.</param>
/// <param name="Temperature">Softmax temperature (sampling).</param>
/// <param name="TopP">Nucleus mass, 1 = off (sampling).</param>
/// <param name="TopK">Keep the k best, 0 = off (sampling).</param>
/// <param name="Seed">Random seed (sampling).</param>
/// <param name="RepetitionPenalty">CTRL-style penalty on tokens already present, 1 = off.</param>
public sealed record SamplingChoice(bool Greedy, double Temperature, double TopP, int TopK, long Seed, double RepetitionPenalty);

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
public sealed record GenerateRequest(
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
    string? LogitsOut);
