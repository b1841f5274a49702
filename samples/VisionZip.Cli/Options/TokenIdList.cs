using System.Globalization;
using VisionZip.Cli.Infrastructure;

namespace VisionZip.Cli.Options;

/// <summary>Parses <c>--input-ids 1,5,9</c>.</summary>
internal static class TokenIdList
{
    /// <summary>Parses a comma- (or space-) separated list of non-negative token ids, naming <paramref name="option"/> on error.</summary>
    public static long[] Parse(string text, string option = "--input-ids")
    {
        string[] parts = text.Split([',', ' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0)
        {
            throw new CliUsageException($"{option}: no token ids (expected e.g. {option} 1,5,9)");
        }

        var ids = new long[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!long.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out ids[i]))
            {
                throw new CliUsageException($"{option}: '{parts[i]}' is not a token id (expected non-negative integers, e.g. {option} 1,5,9)");
            }
        }

        return ids;
    }
}
