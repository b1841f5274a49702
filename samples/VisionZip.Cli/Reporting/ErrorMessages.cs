using System.Text.RegularExpressions;

namespace VisionZip.Cli.Reporting;

/// <summary>
/// Turns an exception message into the one line the CLI prints: the first line, followed by the items the library
/// lists on indented lines below it (every bad weight, every bad field), joined with "; " and capped at
/// <see cref="MaxItems"/> with a count of the rest; .NET argument suffixes such as <c>(Parameter 'x')</c> removed;
/// control characters escaped. Unindented continuation lines (native stack traces) are left to <c>--verbose</c>.
/// </summary>
internal static partial class ErrorMessages
{
    /// <summary>The most list items shown; the rest are counted.</summary>
    public const int MaxItems = 8;

    /// <summary>The one-line rendering of <paramref name="message"/>.</summary>
    public static string Render(string message)
    {
        ArgumentNullException.ThrowIfNull(message);
        string[] lines = message.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        string first = StripParameterSuffix(lines[0].Trim());
        var items = new List<string>();
        for (int i = 1; i < lines.Length && (lines[i].StartsWith(' ') || lines[i].StartsWith('\t')); i++)
        {
            string item = StripParameterSuffix(lines[i].Trim());
            if (item.Length > 0)
            {
                items.Add(item);
            }
        }

        string line = first.Length == 0 ? "unknown error" : first;
        if (items.Count > 0)
        {
            line += " " + string.Join("; ", items.Take(MaxItems));
            if (items.Count > MaxItems)
            {
                line += $"; ... and {items.Count - MaxItems} more";
            }
        }

        return TerminalText.Escape(line);
    }

    private static string StripParameterSuffix(string text) => ParameterSuffix().Replace(text, "");

    // ArgumentException appends " (Parameter 'name')": .NET jargon the user cannot act on.
    [GeneratedRegex(@"\s*\(Parameter '[^']*'\)", RegexOptions.CultureInvariant)]
    private static partial Regex ParameterSuffix();
}
