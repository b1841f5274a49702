namespace VisionZip.Extensions.AI;

/// <summary>Names of the visual-token reducers a request may ask for.</summary>
public static class ReducerNames
{
    /// <summary>VisionZip: dominant + contextual tokens (the budget applies).</summary>
    public const string VisionZip = "visionzip";

    /// <summary>No reduction: vanilla LLaVA, every visual token.</summary>
    public const string None = "none";

    /// <summary>Whether <paramref name="name"/> is a known reducer (case-insensitive).</summary>
    /// <param name="name">The name.</param>
    public static bool IsKnown(string? name) =>
        name is not null && (string.Equals(name, None, StringComparison.OrdinalIgnoreCase)
            || global::VisionZip.VisualTokenReducers.Names.Contains(name, StringComparer.OrdinalIgnoreCase));
}
