namespace VisionZip;

/// <summary>
/// The registry of visual-token reducers by name, so applications (the CLI's <c>--reducer</c>, a server's request
/// options) pick one without knowing its type. Built in: <see cref="VisionZip"/> and <see cref="Pool"/>.
/// </summary>
/// <remarks>
/// To add a method: implement <see cref="IVisualTokenReducer"/> in one file and call <see cref="Register"/> once (for a
/// built-in, add the line to the static constructor here). Thread-safe.
/// </remarks>
public static class VisualTokenReducers
{
    /// <summary>The VisionZip reducer's name: dominant + contextual tokens (<see cref="VisionZipReducer"/>).</summary>
    public const string VisionZip = "visionzip";

    /// <summary>The spatial pooling baseline's name: the budget's total as a pooled grid (<see cref="SpatialPoolReducer"/>).</summary>
    public const string Pool = "pool";

    private static readonly object Gate = new();
    private static readonly Dictionary<string, Func<ZipBudget, IVisualTokenReducer>> Factories = new(StringComparer.OrdinalIgnoreCase);
    private static readonly List<string> Order = [];

    static VisualTokenReducers()
    {
        Register(VisionZip, budget => new VisionZipReducer(budget));
        Register(Pool, budget => new SpatialPoolReducer(budget.Total));
    }

    /// <summary>Registered names in registration order.</summary>
    public static IReadOnlyList<string> Names
    {
        get
        {
            lock (Gate)
            {
                return [.. Order];
            }
        }
    }

    /// <summary>Makes the reducer registered as <paramref name="name"/> (case-insensitive) for <paramref name="budget"/>.</summary>
    /// <param name="name">A registered name, e.g. <c>visionzip</c> or <c>pool</c>.</param>
    /// <param name="budget">The budget; reducers that keep no split use <see cref="ZipBudget.Total"/>.</param>
    /// <exception cref="ArgumentException">No reducer has that name; the message lists the known ones.</exception>
    public static IVisualTokenReducer Create(string name, ZipBudget budget)
    {
        ArgumentNullException.ThrowIfNull(name);
        Func<ZipBudget, IVisualTokenReducer>? factory;
        lock (Gate)
        {
            Factories.TryGetValue(name, out factory);
        }

        return factory is null
            ? throw new ArgumentException($"reducer '{name}' is not known; known reducers: {string.Join(", ", Names)}", nameof(name))
            : factory(budget);
    }

    /// <summary>Registers a reducer factory under <paramref name="name"/>; registering a name again replaces its factory.</summary>
    /// <param name="name">The name (letters, digits, '-' or '_').</param>
    /// <param name="factory">Makes the reducer for a budget.</param>
    /// <exception cref="ArgumentException">The name is empty or has other characters.</exception>
    public static void Register(string name, Func<ZipBudget, IVisualTokenReducer> factory)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(factory);
        if (name.Length == 0 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
        {
            throw new ArgumentException($"reducer name '{name}' must be letters, digits, '-' or '_'", nameof(name));
        }

        lock (Gate)
        {
            if (!Factories.ContainsKey(name))
            {
                Order.Add(name);
            }

            Factories[name] = factory;
        }
    }
}
