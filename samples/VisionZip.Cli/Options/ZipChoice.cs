using VisionZip.Cli.Infrastructure;
using VisionZip.Models;
using VisionZip.Models.Imaging;
using VisionZip.Models.Llava;

namespace VisionZip.Cli.Options;

/// <summary>
/// The reduction asked for on the command line: vanilla, or a reducer with a budget (null = the paper's budget for the
/// model, <see cref="VisionLanguageModel.DefaultBudget"/>). Checked against the model by the core's own rules.
/// </summary>
/// <param name="Budget">--dominant/--contextual, or null for the model's default.</param>
/// <param name="Reducer">The registry name (visionzip, pool, ...).</param>
/// <param name="Enabled">False for --no-zip.</param>
public sealed record ZipChoice(ZipBudget? Budget, string Reducer, bool Enabled)
{
    /// <summary>VisionZip with the model's default budget.</summary>
    public static ZipChoice Default { get; } = new(null, VisualTokenReducers.VisionZip, Enabled: true);

    /// <summary>No reduction.</summary>
    public static ZipChoice Vanilla { get; } = new(null, VisualTokenReducers.VisionZip, Enabled: false);

    /// <summary>True when the budget is the model's default.</summary>
    public bool IsDefault => Budget is null;

    /// <summary>The budget for <paramref name="model"/>.</summary>
    public ZipBudget BudgetFor(VisionLanguageModel model) => Budget ?? model.DefaultBudget;

    /// <summary>
    /// The encode options for <paramref name="model"/>: the reducer made from the registry and checked against the tower's
    /// tokens (the core's rule set; the error names the options).
    /// </summary>
    public ImageEncodeOptions ToOptions(VisionLanguageModel model, ImageMode mode, bool keepPixels = false)
    {
        if (!Enabled)
        {
            return new ImageEncodeOptions { Mode = mode, KeepPixels = keepPixels };
        }

        var budget = BudgetFor(model);
        var reducer = VisualTokenReducers.Create(Reducer, budget);
        try
        {
            reducer.OutputTokenCount(model.VisionTower.FeatureTokenCount, model.VisionTower.HasCls);
        }
        catch (ArgumentException e)
        {
            string where = IsDefault ? $"the default --dominant {budget.Dominant} --contextual {budget.Contextual}" : $"--dominant {budget.Dominant} --contextual {budget.Contextual}";
            throw new CliUsageException($"{where} (--reducer {Reducer}): {CliApp.OneLine(e.Message)} ({model.VisionTower.FeatureTokenCount} tokens per tile)");
        }

        return new ImageEncodeOptions { Reducer = reducer, Mode = mode, KeepPixels = keepPixels };
    }

    /// <inheritdoc />
    public override string ToString() => !Enabled ? "vanilla" : Budget is { } b ? $"{Reducer} {b}" : $"{Reducer} (default budget)";
}
