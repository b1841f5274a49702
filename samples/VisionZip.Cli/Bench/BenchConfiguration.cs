using VisionZip.Models.Llava;

namespace VisionZip.Cli.Bench;

/// <summary>One configuration a bench round runs: vanilla, or a reducer at a per-tile budget.</summary>
/// <param name="Label">e.g. <c>vanilla</c> or <c>visionzip 54+10</c>.</param>
/// <param name="Budget">The per-tile budget, null for vanilla.</param>
/// <param name="Options">What the facade encodes with.</param>
internal sealed record BenchConfiguration(string Label, ZipBudget? Budget, ImageEncodeOptions Options)
{
    /// <summary>Every visual token.</summary>
    public static BenchConfiguration Vanilla { get; } = new("vanilla", null, ImageEncodeOptions.Vanilla);

    /// <summary><paramref name="reducer"/> at <paramref name="budget"/> per tile.</summary>
    public static BenchConfiguration Reduced(string reducer, ZipBudget budget) =>
        new($"{reducer} {budget.Dominant}+{budget.Contextual}", budget,
            new ImageEncodeOptions { Reducer = VisualTokenReducers.Create(reducer, budget) });
}
