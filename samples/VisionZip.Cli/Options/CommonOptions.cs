using System.CommandLine;
using System.CommandLine.Parsing;

namespace VisionZip.Cli.Options;

/// <summary>Factories for the options several commands share, so their names and help stay identical.</summary>
internal static class CommonOptions
{
    /// <summary>Image modes: 'crop' = the processor alone (llava-hf), 'pad' = LLaVA-1.5 expand-to-square first.</summary>
    public static readonly string[] ImageModes = ["crop", "pad"];

    /// <summary>Compute dtypes.</summary>
    public static readonly string[] DTypes = ["fp32", "fp16", "bf16"];

    /// <summary>Devices.</summary>
    public static readonly string[] Devices = ["cpu", "cuda"];

    /// <summary><c>--model DIR</c>: a Hugging Face checkpoint directory.</summary>
    public static Option<string> Model(string description, bool required = true) => new("--model")
    {
        Description = description,
        HelpName = "DIR",
        Required = required,
    };

    /// <summary><c>--image FILE</c>, once.</summary>
    public static Option<string> Image(bool required) => new("--image")
    {
        Description = "Image file (PNG, JPEG, WebP, ...).",
        HelpName = "FILE",
        Required = required,
    };

    /// <summary><c>--out FILE</c>: written atomically, only when the run succeeds.</summary>
    /// <summary><c>--projector-adapter FILE</c>: a projector tuned by <c>visionzip tune</c> (repeatable, one per budget).</summary>
    public static Option<string[]> ProjectorAdapter() => new("--projector-adapter")
    {
        Description = "A projector adapter from 'visionzip tune' (VisionZip\u2021): used for images reduced with the budget and reducer it was tuned for (repeatable).",
        HelpName = "FILE",
        AllowMultipleArgumentsPerToken = false,
    };

    public static Option<string> Out(string description, bool required = true) => new("--out")
    {
        Description = description + " Written only when the run succeeds; an existing file is replaced atomically.",
        HelpName = "FILE",
        Required = required,
    };

    /// <summary><c>--image-mode crop|pad</c>.</summary>
    public static Option<string?> ImageMode() => Choice<string?>(
        "--image-mode",
        "'crop' = resize + center crop (what the checkpoint's processor does); 'pad' = LLaVA-1.5 expand-to-square " +
        "(pad with the mean colour first, as VisionZip's evaluation did). Default: the checkpoint's processor.",
        ImageModes,
        defaultValue: null);

    /// <summary><c>--dtype fp32|fp16|bf16</c>.</summary>
    public static Option<string> DType() => Choice<string>(
        "--dtype", "Compute dtype of the weights.", DTypes, defaultValue: "fp32");

    /// <summary><c>--device cpu|cuda</c>.</summary>
    public static Option<string> Device() => Choice<string>(
        "--device", "Device to run on (cuda needs a CUDA build of TorchSharp).", Devices, defaultValue: "cpu");

    /// <summary>A string option that accepts only <paramref name="choices"/>, with an error that names it.</summary>
    public static Option<T> Choice<T>(string name, string description, string[] choices, T defaultValue)
    {
        var option = new Option<T>(name)
        {
            Description = description,
            HelpName = string.Join('|', choices),
            DefaultValueFactory = _ => defaultValue,
        };
        option.Validators.Add(result =>
        {
            if (result.Tokens.Count == 0)
            {
                return;
            }

            string value = result.Tokens[^1].Value;
            if (!choices.Contains(value, StringComparer.Ordinal))
            {
                result.AddError($"{name} must be one of {string.Join(", ", choices)} (got '{value}')");
            }
        });
        return option;
    }

    /// <summary>Adds a validator that rejects values below <paramref name="minimum"/>, naming the option.</summary>
    public static Option<T> AtLeast<T>(this Option<T> option, double minimum, bool exclusive = false)
    {
        option.Validators.Add(result => CheckRange(result, option.Name, minimum, exclusive, null, false));
        return option;
    }

    /// <summary>Adds a validator that keeps values within [<paramref name="minimum"/>, <paramref name="maximum"/>].</summary>
    public static Option<T> Between<T>(this Option<T> option, double minimum, bool minimumExclusive, double maximum)
    {
        option.Validators.Add(result => CheckRange(result, option.Name, minimum, minimumExclusive, maximum, false));
        return option;
    }

    private static void CheckRange(OptionResult result, string name, double minimum, bool minimumExclusive, double? maximum, bool maximumExclusive)
    {
        if (result.Tokens.Count == 0)
        {
            return;
        }

        if (!double.TryParse(result.Tokens[^1].Value, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double value))
        {
            return; // the type parser reports it
        }

        bool low = minimumExclusive ? value <= minimum : value < minimum;
        bool high = maximum is double max && (maximumExclusive ? value >= max : value > max);
        if (low || high || double.IsNaN(value))
        {
            string lower = minimumExclusive ? $"> {minimum}" : $">= {minimum}";
            string range = maximum is double m ? $"{lower} and <= {m}" : lower;
            result.AddError($"{name} must be {range} (got {result.Tokens[^1].Value})");
        }
    }
}

/// <summary>Helpers on parse results.</summary>
internal static class ParseResultExtensions
{
    /// <summary>True when <paramref name="option"/> appeared on the command line (not just its default).</summary>
    public static bool WasGiven(this ParseResult parse, Option option) => parse.GetResult(option) is { Implicit: false };
}
