using System.Globalization;
using System.Text;

namespace VisionZip.Cli.Reporting;

/// <summary>
/// Makes text safe to print on a terminal: control characters that could move the cursor, clear the screen, change
/// colours or reorder text (C0 and C1 controls, DEL, Unicode bidirectional overrides) are shown escaped, e.g.
/// <c>\x1b</c>, instead of being executed. Line feeds and tabs stay. Used for model output and error messages on the
/// terminal streams; <c>--json</c> and files keep the text as it is.
/// </summary>
internal static class TerminalText
{
    /// <summary>Returns <paramref name="text"/> with every unsafe character escaped (the same instance when there is none).</summary>
    public static string Escape(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        int first = IndexOfUnsafe(text);
        if (first < 0)
        {
            return text;
        }

        var escaped = new StringBuilder(text.Length + 8);
        escaped.Append(text, 0, first);
        for (int i = first; i < text.Length; i++)
        {
            char c = text[i];
            if (!IsUnsafe(c))
            {
                escaped.Append(c);
            }
            else if (c <= 0xFF)
            {
                escaped.Append("\\x").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture));
            }
            else
            {
                escaped.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
            }
        }

        return escaped.ToString();
    }

    private static int IndexOfUnsafe(string text)
    {
        for (int i = 0; i < text.Length; i++)
        {
            if (IsUnsafe(text[i]))
            {
                return i;
            }
        }

        return -1;
    }

    // C0 (but line feed and tab), DEL, C1, and the bidi embeddings/overrides/isolates that can disguise text.
    private static bool IsUnsafe(char c) =>
        (c < 0x20 && c != '\n' && c != '\t') || (c >= 0x7F && c <= 0x9F) || (c >= '\u202A' && c <= '\u202E') || (c >= '\u2066' && c <= '\u2069');
}
