using VisionZip.Models.Language;
using VisionZip.Models.Llava;
using VisionZip.Models.Performance;
using static TorchSharp.torch;

namespace VisionZip.Benchmarks.Peer;

/// <summary>
/// <c>peer</c>: our model against LLamaSharp (llama.cpp's CPU backend) on the same random-weight geometry, in one
/// process (<c>dotnet run -c Release --project benchmarks/VisionZip.Benchmarks -- peer [options]</c>, see
/// <see cref="PeerOptions"/>). Each round measures the memory bandwidth, then runs every row once in a rotating order
/// so load from other processes hits all of them alike: ours (bf16 / int8 weights) from the image file through the
/// facade, vanilla and VisionZip 64, each to the first token and on through the greedy steps; LLamaSharp (BF16, Q8_0,
/// Q4_K_M GGUF files converted from the same checkpoint) prefilling the vanilla prompt length as ids in one call, the
/// same steps, and a prefill of the VisionZip-length prompt. Prints a Markdown report; <c>--json FILE</c> writes the
/// figures.
/// </summary>
public static class PeerBenchmark
{
    private const int VanillaVisualTokens = 576;

    /// <summary>Runs the benchmark; 0 on success, 2 on bad options.</summary>
    public static int Run(IReadOnlyList<string> args)
    {
        PeerOptions options;
        try
        {
            options = PeerOptions.Parse(args);
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine($"peer: {e.Message}");
            return 2;
        }

        set_num_threads(options.Threads);
        using var noGrad = no_grad();
        string loadBefore = LoadAverage();
        string checkpoint = options.Model ?? SyntheticCheckpoint.Ensure(options.Synthetic, options.LlmLayers);
        string image = options.Image ?? DefaultImage();
        var decoder = DecoderOf(checkpoint);
        DecoderGeometry? full = null;
        if (options.Model is null && options.LlmLayers is int layers && layers < SyntheticGeometry.Find(options.Synthetic).Cost.Decoder.Layers)
        {
            full = SyntheticGeometry.Find(options.Synthetic).Cost.Decoder;
        }

        int longPrompt = options.TextTokens + VanillaVisualTokens;
        int shortPrompt = options.TextTokens + ZipPresets.Llava15_64.Total;
        var units = new List<(PeerFormat Format, string Configuration, Func<PeerSample> Run, IDisposable Owner)>();
        try
        {
            if (options.PrepareOnly)
            {
                foreach (var format in options.Formats.Where(f => !f.IsOurs()))
                {
                    Console.WriteLine(PeerGgufFiles.Ensure(checkpoint, format, options.Threads, line => Console.Error.WriteLine($"peer: {line}")));
                }

                return 0;
            }

            foreach (var format in options.Formats)
            {
                Console.Error.WriteLine($"peer: loading {format.Label()}");
                if (format.IsOurs())
                {
                    var ours = new PeerOurs(checkpoint, format == PeerFormat.OursInt8 ? WeightQuantization.Int8 : WeightQuantization.None, options.TextTokens + 1);
                    foreach (var configuration in options.Ours)
                    {
                        var encode = configuration == "vanilla" ? ImageEncodeOptions.Vanilla : ImageEncodeOptions.Zip(ZipPresets.Llava15_64);
                        units.Add((format, configuration, () => ours.Run(image, encode, options.DecodeTokens), ours));
                    }
                }
                else
                {
                    string gguf = PeerGgufFiles.Ensure(checkpoint, format, options.Threads, line => Console.Error.WriteLine($"peer: {line}"));
                    var peer = new PeerLlamaSharp(gguf, longPrompt, shortPrompt, decoder.Vocab, options.DecodeTokens, options.Threads);
                    units.Add((format, "vanilla, ids only", peer.Run, peer));
                }
            }

            using var bandwidth = new MemoryBandwidth();
            var samples = units.Select(_ => new List<PeerSample>()).ToArray();
            var bandwidths = new List<double>();
            var gbsPerRound = new List<double>();
            for (int round = 0; round < options.Warmup + options.Rounds; round++)
            {
                bool timed = round >= options.Warmup;
                double gbs = bandwidth.Measure();
                Console.Error.WriteLine($"peer: round {round + 1} of {options.Warmup + options.Rounds}{(timed ? "" : " (warm-up)")}, {gbs:F1} GB/s");
                for (int k = 0; k < units.Count; k++)
                {
                    int index = (k + round) % units.Count;   // rotate so no row always runs first
                    var sample = units[index].Run();
                    if (timed)
                    {
                        samples[index].Add(sample);
                    }
                }

                if (timed)
                {
                    bandwidths.Add(gbs);
                }
            }

            var rows = new List<PeerRow>();
            for (int u = 0; u < units.Count; u++)
            {
                var (format, configuration, _, owner) = units[u];
                int context = samples[u][0].PromptTokens + options.DecodeTokens / 2;
                double bytes = owner is PeerLlamaSharp peer
                    ? peer.WeightBytesPerStep() + decoder.Hidden * 2.0 + decoder.KvCacheBytes(context, 2)
                    : decoder.DecodeBytesPerToken(context, format == PeerFormat.OursInt8 ? 1 : 2, 2);
                var fractions = samples[u].Select((s, r) => bytes / 1e6 / s.DecodeMsPerToken / bandwidths[r]).ToList();
                rows.Add(new PeerRow(format, configuration, samples[u], bytes, fractions));
            }

            string description = options.Model is { } model
                ? Path.GetFileName(Path.TrimEndingDirectorySeparator(model))
                : $"synthetic {options.Synthetic}, {decoder.Layers} of {SyntheticGeometry.Find(options.Synthetic).Cost.Decoder.Layers} LLM layers";
            string systemInfo = options.Formats.Any(f => !f.IsOurs()) ? LlamaSharpNative.SystemInfo() : "";
            var result = new PeerResult(description, options, decoder, full, bandwidths, loadBefore, LoadAverage(), rows, systemInfo);
            PeerReport.WriteMarkdown(Console.Out, result);
            if (options.Json is { } json)
            {
                File.WriteAllText(json, PeerReport.ToJson(result) + "\n");
            }

            return 0;
        }
        finally
        {
            foreach (var owner in units.Select(u => u.Owner).Distinct())
            {
                owner.Dispose();
            }
        }
    }

    private static DecoderGeometry DecoderOf(string checkpoint)
    {
        var text = LlavaConfig.Load(checkpoint).ResolveTextConfig();
        return new DecoderGeometry(text.NumHiddenLayers, text.HiddenSize, text.IntermediateSize, text.NumAttentionHeads, text.NumKeyValueHeads,
            text.HeadDim, text.VocabSize);
    }

    // The CLI's bundled demo photo (tests/fixtures/images/astronaut.png), found from the repository root.
    private static string DefaultImage()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            string candidate = Path.Combine(directory.FullName, "tests", "fixtures", "images", "astronaut.png");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException("tests/fixtures/images/astronaut.png not found above the benchmark; pass --image FILE");
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";
}
