using VisionZip.Cli.Infrastructure;
using VisionZip.Cli.Options;

namespace VisionZip.Cli.Bench;

/// <summary>A checked <c>visionzip bench</c> run.</summary>
/// <param name="Model">The LLaVA checkpoint directory (a synthetic one is written before this request exists).</param>
/// <param name="Synthetic">The synthetic geometry's name, or null for <c>--model</c>.</param>
/// <param name="Compute">dtype and device.</param>
/// <param name="Int8Weights">Weight-only int8 for the language model's projections (<c>--weights int8</c>).</param>
/// <param name="Budgets">The reduced configurations, per tile; the vanilla one always runs first.</param>
/// <param name="Reducer">The reducer's registered name.</param>
/// <param name="ImagePath">The photo every run encodes (decoded from the file each time).</param>
/// <param name="Runs">Timed rounds (every configuration once per round, in rotating order).</param>
/// <param name="Warmup">Untimed rounds first.</param>
/// <param name="DecodeTokens">Greedy decode steps timed after each prefill.</param>
/// <param name="TextTokens">Text tokens in a prompt without a tokenizer (the image placeholder among them).</param>
/// <param name="Json">Print one JSON object instead of tables.</param>
/// <param name="JsonOutPath">Also write the JSON object to this file (the tables still go to stdout), or null.</param>
/// <param name="PlotPath">PNG of time to first token vs visual tokens (and <c>-stages.png</c> beside it), or null.</param>
/// <param name="ProjectorAdapters">VisionZip‡ adapters to load.</param>
/// <param name="MeasureLimits">Measure matmul throughput and bandwidth in this process (<c>--no-limits</c> skips it).</param>
internal sealed record BenchRequest(
    ModelDirectory Model,
    string? Synthetic,
    ComputeSettings Compute,
    bool Int8Weights,
    IReadOnlyList<ZipBudget> Budgets,
    string Reducer,
    string ImagePath,
    int Runs,
    int Warmup,
    int DecodeTokens,
    int TextTokens,
    bool Json,
    string? JsonOutPath,
    string? PlotPath,
    IReadOnlyList<string> ProjectorAdapters,
    bool MeasureLimits);
