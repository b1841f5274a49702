namespace VisionZip.Benchmarks.Peer;

/// <summary>One side of the peer benchmark: our model (weights in bf16 or int8) or a LLamaSharp GGUF file.</summary>
public enum PeerFormat
{
    /// <summary>Ours, bfloat16 weights and activations.</summary>
    OursBf16,

    /// <summary>Ours, weight-only int8 projections, bfloat16 activations.</summary>
    OursInt8,

    /// <summary>LLamaSharp, BF16 GGUF (written by <see cref="LlamaGgufConverter"/>).</summary>
    LlamaBf16,

    /// <summary>LLamaSharp, Q8_0 GGUF (llama.cpp's quantiser over the BF16 file).</summary>
    LlamaQ8_0,

    /// <summary>LLamaSharp, Q4_K_M GGUF (llama.cpp's quantiser over the BF16 file).</summary>
    LlamaQ4_K_M,
}

/// <summary>Command-line names and labels of <see cref="PeerFormat"/>.</summary>
public static class PeerFormats
{
    /// <summary>Every format, in table order.</summary>
    public static IReadOnlyList<PeerFormat> All { get; } = Enum.GetValues<PeerFormat>();

    /// <summary>The <c>--formats</c> name: ours-bf16, ours-int8, llama-bf16, llama-q8_0, llama-q4_k_m.</summary>
    public static string Name(this PeerFormat format) => format switch
    {
        PeerFormat.OursBf16 => "ours-bf16",
        PeerFormat.OursInt8 => "ours-int8",
        PeerFormat.LlamaBf16 => "llama-bf16",
        PeerFormat.LlamaQ8_0 => "llama-q8_0",
        _ => "llama-q4_k_m",
    };

    /// <summary>The table label.</summary>
    public static string Label(this PeerFormat format) => format switch
    {
        PeerFormat.OursBf16 => "ours, bf16 weights",
        PeerFormat.OursInt8 => "ours, int8 weights",
        PeerFormat.LlamaBf16 => "LLamaSharp BF16",
        PeerFormat.LlamaQ8_0 => "LLamaSharp Q8_0",
        _ => "LLamaSharp Q4_K_M",
    };

    /// <summary>True for our model, false for a LLamaSharp file.</summary>
    public static bool IsOurs(this PeerFormat format) => format is PeerFormat.OursBf16 or PeerFormat.OursInt8;

    /// <summary>Parses a comma-separated list of names.</summary>
    /// <exception cref="ArgumentException">An unknown name (the message lists the known ones).</exception>
    public static IReadOnlyList<PeerFormat> Parse(string list)
    {
        var formats = new List<PeerFormat>();
        foreach (var name in list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var match = All.Where(f => f.Name() == name).ToList();
            if (match.Count == 0)
            {
                throw new ArgumentException($"--formats: unknown format '{name}'; known: {string.Join(", ", All.Select(f => f.Name()))}");
            }

            formats.Add(match[0]);
        }

        return [.. formats.Distinct().Order()];
    }
}
