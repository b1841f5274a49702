using System.Globalization;

namespace VisionZip.Benchmarks.Peer;

/// <summary>
/// Options of <c>peer</c>: <c>[--synthetic NAME | --model DIR] [--llm-layers N|full] [--formats a,b] [--rounds N]
/// [--ours vanilla,visionzip-64] [--warmup N] [--decode-tokens N] [--text-tokens N] [--threads N] [--image FILE]
/// [--json FILE] [--prepare-only]</c>.
/// </summary>
public sealed record PeerOptions
{
    /// <summary>Synthetic geometry (default llava-1.5-7b) when no <see cref="Model"/> is given.</summary>
    public string Synthetic { get; init; } = "llava-1.5-7b";

    /// <summary>A llava-hf directory instead of a synthetic checkpoint.</summary>
    public string? Model { get; init; }

    /// <summary>Language-model layers of the synthetic checkpoint (null = full depth).</summary>
    public int? LlmLayers { get; init; } = 2;

    /// <summary>Sides to run.</summary>
    public IReadOnlyList<PeerFormat> Formats { get; init; } = PeerFormats.All;

    /// <summary>Our configurations: "vanilla" and / or "visionzip-64".</summary>
    public IReadOnlyList<string> Ours { get; init; } = ["vanilla", "visionzip-64"];

    /// <summary>Only write the checkpoint and GGUF files, measure nothing.</summary>
    public bool PrepareOnly { get; init; }

    /// <summary>Timed rounds.</summary>
    public int Rounds { get; init; } = 3;

    /// <summary>Untimed rounds first.</summary>
    public int Warmup { get; init; } = 1;

    /// <summary>Greedy steps after the first token (end-of-sequence ignored).</summary>
    public int DecodeTokens { get; init; } = 128;

    /// <summary>Text tokens of the prompt besides the image (LLaVA-1.5 vanilla: 40 + 576 = 616).</summary>
    public int TextTokens { get; init; } = 40;

    /// <summary>Threads on both sides.</summary>
    public int Threads { get; init; } = 2;

    /// <summary>The photo our side encodes (default: the CLI's bundled demo photo, tests/fixtures/images/astronaut.png).</summary>
    public string? Image { get; init; }

    /// <summary>Where to write the JSON report.</summary>
    public string? Json { get; init; }

    /// <summary>Parses <paramref name="args"/> (after the mode name).</summary>
    /// <exception cref="ArgumentException">An unknown option or a bad value, named.</exception>
    public static PeerOptions Parse(IReadOnlyList<string> args)
    {
        var options = new PeerOptions();
        for (int i = 0; i < args.Count; i++)
        {
            string name = args[i];
            string Value() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{name} needs a value");
            int Count(int minimum)
            {
                string text = Value();
                return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int value) && value >= minimum
                    ? value
                    : throw new ArgumentException($"{name}: '{text}' is not an integer >= {minimum}");
            }

            options = name switch
            {
                "--synthetic" => options with { Synthetic = Value() },
                "--model" => options with { Model = Value() },
                "--llm-layers" => args.ElementAtOrDefault(i + 1) == "full" ? options with { LlmLayers = null, } : options with { LlmLayers = Count(1) },
                "--formats" => options with { Formats = PeerFormats.Parse(Value()) },
                "--ours" => options with { Ours = ParseOurs(Value()) },
                "--prepare-only" => options with { PrepareOnly = true },
                "--rounds" => options with { Rounds = Count(1) },
                "--warmup" => options with { Warmup = Count(0) },
                "--decode-tokens" => options with { DecodeTokens = Count(1) },
                "--text-tokens" => options with { TextTokens = Count(1) },
                "--threads" => options with { Threads = Count(1) },
                "--image" => options with { Image = Value() },
                "--json" => options with { Json = Value() },
                _ => throw new ArgumentException($"unknown option '{name}'"),
            };
            if (name == "--llm-layers" && options.LlmLayers is null)
            {
                i++;   // consumed "full"
            }
        }

        return options;
    }

    private static string[] ParseOurs(string list)
    {
        var names = list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var unknown = names.Where(n => n is not ("vanilla" or "visionzip-64")).ToList();
        return unknown.Count == 0 && names.Length > 0
            ? [.. names.Distinct()]
            : throw new ArgumentException($"--ours: '{list}' must list vanilla and / or visionzip-64");
    }
}
