using System.CommandLine;
using VisionZip.Cli.Infrastructure;

namespace VisionZip.Cli.Options;

/// <summary><c>--dominant N --contextual N | --no-zip</c>, resolved into a <see cref="ZipChoice"/>.</summary>
public sealed class ZipOptions
{
    /// <summary>Creates the options; <paramref name="allowNoZip"/> adds <c>--no-zip</c>.</summary>
    public ZipOptions(bool allowNoZip)
    {
        Dominant = new Option<int?>("--dominant")
        {
            Description = "Dominant visual tokens kept per tile (CLS included for CLIP). Needs --contextual. Default: the paper's budget for the model (54 = LLaVA-1.5's 64-token preset; 27 per tile for LLaVA-NeXT). With --reducer pool, dominant + contextual is the pooled count.",
            HelpName = "N",
        };
        Dominant.Integer().AtLeast(1);
        Contextual = new Option<int?>("--contextual")
        {
            Description = "Contextual tokens merged from the rest (0 = dominant only). Needs --dominant. Default: 10 (5 per image for LLaVA-NeXT).",
            HelpName = "N",
        };
        Contextual.Integer().AtLeast(0);
        if (allowNoZip)
        {
            NoZip = new Option<bool>("--no-zip") { Description = "Vanilla: keep every visual token (no reduction)." };
        }

        Reducer = new Option<string>("--reducer")
        {
            Description = $"Token reduction method: {string.Join(" | ", VisualTokenReducers.Names)} (pool = average-pool the patch grid to dominant + contextual tokens).",
            HelpName = "NAME",
            DefaultValueFactory = _ => VisualTokenReducers.VisionZip,
        };
    }

    /// <summary><c>--reducer</c>.</summary>
    public Option<string> Reducer { get; }

    /// <summary><c>--dominant</c>.</summary>
    public Option<int?> Dominant { get; }

    /// <summary><c>--contextual</c>.</summary>
    public Option<int?> Contextual { get; }

    /// <summary><c>--no-zip</c>, when allowed.</summary>
    public Option<bool>? NoZip { get; }

    /// <summary>Adds the options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        command.Options.Add(Dominant);
        command.Options.Add(Contextual);
        command.Options.Add(Reducer);
        if (NoZip is not null)
        {
            command.Options.Add(NoZip);
        }
    }

    /// <summary>Resolves the options, rejecting combinations that do not fit.</summary>
    public ZipChoice Resolve(ParseResult parse)
    {
        int? dominant = parse.GetValue(Dominant);
        int? contextual = parse.GetValue(Contextual);
        bool noZip = NoZip is not null && parse.GetValue(NoZip);
        string reducer = parse.GetValue(Reducer)!;
        if (!VisualTokenReducers.Names.Contains(reducer, StringComparer.OrdinalIgnoreCase))
        {
            throw new CliUsageException($"--reducer must be one of {string.Join(", ", VisualTokenReducers.Names)} (got '{reducer}')");
        }

        if (noZip && parse.WasGiven(Reducer))
        {
            throw new CliUsageException("--no-zip cannot be combined with --reducer (choose one)");
        }
        if (noZip && (dominant is not null || contextual is not null))
        {
            throw new CliUsageException("--no-zip cannot be combined with --dominant/--contextual (choose one)");
        }

        if (noZip)
        {
            return ZipChoice.Vanilla;
        }

        if (dominant is not null && contextual is null)
        {
            throw new CliUsageException($"--dominant {dominant} needs --contextual (e.g. --dominant 54 --contextual 10; --contextual 0 keeps dominant tokens only)");
        }

        if (contextual is not null && dominant is null)
        {
            throw new CliUsageException($"--contextual {contextual} needs --dominant (e.g. --dominant 54 --contextual 10)");
        }

        return new ZipChoice(dominant is null ? null : new ZipBudget(dominant.Value, contextual!.Value), reducer.ToLowerInvariant(), Enabled: true);
    }
}
