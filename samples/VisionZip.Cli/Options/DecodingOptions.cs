using System.CommandLine;
using VisionZip.Cli.Commands;
using VisionZip.Cli.Infrastructure;

namespace VisionZip.Cli.Options;

/// <summary>Options that steer decoding: token budget, greedy or sampling, repetition penalty, stop strings.</summary>
internal sealed class DecodingOptions
{
    /// <summary>Creates the options.</summary>
    public DecodingOptions(int defaultMaxNewTokens)
    {
        MaxNewTokens = new Option<int>("--max-new-tokens")
        {
            Description = "Most tokens to generate.",
            HelpName = "N",
            DefaultValueFactory = _ => defaultMaxNewTokens,
        }.Integer().AtLeast(1);
        Greedy = new Option<bool>("--greedy")
        {
            Description = "Greedy decoding. Without --greedy and without sampling options the checkpoint's generation_config.json decides (greedy unless it sets do_sample).",
        };
        Temperature = new Option<double?>("--temperature") { Description = "Sample with this temperature (> 0).", HelpName = "T" }.Real().AtLeast(0, exclusive: true);
        TopP = new Option<double?>("--top-p") { Description = "Nucleus sampling mass in (0, 1]; default 1 (off).", HelpName = "P" }.Real().Between(0, true, 1);
        TopK = new Option<int?>("--top-k") { Description = "Sample among the K most likely tokens; 0 = off (default: the checkpoint's, else 50).", HelpName = "K" }.Integer().AtLeast(0);
        Seed = new Option<long?>("--seed") { Description = "Random seed for sampling (default: random).", HelpName = "S" }.Integer();
        RepetitionPenalty = new Option<double?>("--repetition-penalty")
        {
            Description = "Penalty (> 0) on tokens already in the sequence; 1 = off (default: the checkpoint's generation_config.json, else 1).",
            HelpName = "R",
        }.Real().AtLeast(0, exclusive: true);
        Stop = new Option<string[]>("--stop")
        {
            Description = "Stop when the generated text contains this string (repeatable). EOS always stops.",
            HelpName = "TEXT",
            Arity = ArgumentArity.OneOrMore,
            AllowMultipleArgumentsPerToken = false,
        };
    }

    /// <summary><c>--max-new-tokens</c>.</summary>
    public Option<int> MaxNewTokens { get; }

    /// <summary><c>--greedy</c>.</summary>
    public Option<bool> Greedy { get; }

    /// <summary><c>--temperature</c>.</summary>
    public Option<double?> Temperature { get; }

    /// <summary><c>--top-p</c>.</summary>
    public Option<double?> TopP { get; }

    /// <summary><c>--top-k</c>.</summary>
    public Option<int?> TopK { get; }

    /// <summary><c>--seed</c>.</summary>
    public Option<long?> Seed { get; }

    /// <summary><c>--repetition-penalty</c>.</summary>
    public Option<double?> RepetitionPenalty { get; }

    /// <summary><c>--stop</c>.</summary>
    public Option<string[]> Stop { get; }

    /// <summary>Adds the options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        foreach (Option option in new Option[] { MaxNewTokens, Greedy, Temperature, TopP, TopK, Seed, RepetitionPenalty, Stop })
        {
            command.Options.Add(option);
        }
    }

    /// <summary>Resolves greedy vs sampling, rejecting --greedy together with sampling options.</summary>
    public SamplingChoice ResolveSampling(ParseResult parse)
    {
        bool greedy = parse.GetValue(Greedy);
        double? temperature = parse.GetValue(Temperature);
        double? topP = parse.GetValue(TopP);
        int? topK = parse.GetValue(TopK);
        long? seed = parse.GetValue(Seed);
        bool sampling = temperature is not null || topP is not null || topK is not null || seed is not null;
        if (greedy && sampling)
        {
            throw new CliUsageException("--greedy cannot be combined with --temperature/--top-p/--top-k/--seed (choose greedy or sampling)");
        }

        bool? mode = greedy ? true : sampling ? false : null;
        return new SamplingChoice(mode, temperature, topP, topK, seed, parse.GetValue(RepetitionPenalty));
    }

    /// <summary>The stop strings (never empty strings).</summary>
    public IReadOnlyList<string> ResolveStops(ParseResult parse)
    {
        string[] stops = parse.GetValue(Stop) ?? [];
        if (stops.Any(string.IsNullOrEmpty))
        {
            throw new CliUsageException("--stop: the stop text is empty");
        }

        return stops;
    }
}
