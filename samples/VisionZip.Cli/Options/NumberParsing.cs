using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace VisionZip.Cli.Options;

/// <summary>Number parsing for options with messages a person reads ("--dominant: 'abc' is not a whole number").</summary>
internal static class NumberParsing
{
    /// <summary>Makes <paramref name="option"/> parse its value as an invariant-culture integer.</summary>
    public static Option<T> Integer<T>(this Option<T> option)
    {
        option.CustomParser = result => Parse<T>(result, option.Name, "a whole number", text =>
            long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long value) ? value : null);
        return option;
    }

    /// <summary>Makes <paramref name="option"/> parse its value as an invariant-culture real number.</summary>
    public static Option<T> Real<T>(this Option<T> option)
    {
        option.CustomParser = result => Parse<T>(result, option.Name, "a number", text =>
            double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) && double.IsFinite(value) ? value : null);
        return option;
    }

    private static T? Parse<T>(ArgumentResult result, string name, string what, Func<string, object?> parse)
    {
        if (result.Tokens.Count == 0)
        {
            return default;
        }

        string text = result.Tokens[^1].Value;
        object? value = parse(text);
        if (value is null)
        {
            result.AddError($"{name}: '{text}' is not {what}");
            return default;
        }

        Type target = Nullable.GetUnderlyingType(typeof(T)) ?? typeof(T);
        try
        {
            return (T)Convert.ChangeType(value, target, CultureInfo.InvariantCulture);
        }
        catch (OverflowException)
        {
            result.AddError($"{name}: '{text}' is out of range");
            return default;
        }
    }
}
