using VisionZip.Cli.Infrastructure;
using VisionZip.Cli.Pipelines;
using VisionZip.Models;
using VisionZip.Models.Language;
using VisionZip.Models.Performance;

namespace VisionZip.Cli.Bench;

/// <summary>
/// <c>bench</c>: load once, warm up, then time every configuration once per round in a rotating order (so a load spike
/// hits all of them alike), with the machine's limits measured again in every round as one more unit of the rotation,
/// and report medians, spreads, speedups against the FLOP model, and each run's fractions of its own round's limits.
/// </summary>
internal static class BenchPipeline
{
    // Best of 8 passes over 512 MiB (~10 ms each): one pass preempted by another process does not set the round's figure.
    private const int LimitBandwidthPasses = 8;

    public static int Run(CliContext context, BenchRequest request)
    {
        var quantization = request.Int8Weights ? WeightQuantization.Int8 : WeightQuantization.None;
        long loadStart = System.Diagnostics.Stopwatch.GetTimestamp();
        using var model = ModelLoader.AfterLoading(context.Status("Loading model", () => ModelErrors.Wrap(request.Model,
            () => VisionLanguageModel.Load(request.Model.Path, request.Compute.DType, request.Compute.Device, ModelParts.All, quantization))));
        double loadMs = System.Diagnostics.Stopwatch.GetElapsedTime(loadStart).TotalMilliseconds;   // files to weights, every value checked
        ModelLoader.AddAdapters(model, request.ProjectorAdapters);
        var configurations = new List<BenchConfiguration> { BenchConfiguration.Vanilla };
        foreach (var budget in request.Budgets)
        {
            try
            {
                var configuration = BenchConfiguration.Reduced(request.Reducer, budget);
                configuration.Options.Reducer!.OutputTokenCount(model.VisionTower.FeatureTokenCount, model.VisionTower.HasCls);
                configurations.Add(configuration);
            }
            catch (ArgumentException e)
            {
                throw new CliUsageException($"--budget {budget.Dominant}+{budget.Contextual}: {CliApp.OneLine(e.Message)}");
            }
        }

        var runner = new BenchRunner(model, request);
        var samples = configurations.Select(_ => new List<BenchSample>()).ToArray();
        var limitsPerRound = new List<MachineLimits>();
        int units = configurations.Count + (request.MeasureLimits ? 1 : 0);   // the limits probe is one more unit of the rotation
        int rounds = request.Warmup + request.Runs;
        for (int round = 0; round < rounds; round++)
        {
            bool timed = round >= request.Warmup;
            context.Error.WriteLine($"bench: round {round + 1} of {rounds}{(timed ? "" : " (warm-up)")}");
            foreach (int index in BenchRotation.Order(units, round))   // nothing always runs first or right after the probe
            {
                if (index == configurations.Count)
                {
                    var limits = MachineLimits.Measure(bandwidthPasses: LimitBandwidthPasses);
                    context.Error.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                        $"bench: limits this round: matmul {string.Join(", ", limits.MatmulGflops.Select(p => $"{p.Key} {p.Value:F0}"))} GFLOP/s; read bandwidth {limits.BandwidthGbs:F1} GB/s"));
                    if (timed)
                    {
                        limitsPerRound.Add(limits);
                    }

                    continue;
                }

                var sample = runner.Run(configurations[index].Options);
                if (timed)
                {
                    samples[index].Add(sample);
                }
            }
        }

        var geometry = Geometry(model);
        string description = request.Synthetic is { } name
            ? $"synthetic {name} ({model.LanguageModel.Config.NumHiddenLayers} LLM layers)"
            : Path.GetFileName(Path.TrimEndingDirectorySeparator(model.Directory));
        var report = new BenchReport(request, description, geometry, loadMs, request.MeasureLimits ? new RoundLimits(limitsPerRound) : null,
            [.. configurations.Select((c, i) => (c, (IReadOnlyList<BenchSample>)samples[i]))]);
        if (request.PlotPath is { } plot)
        {
            BenchPlot.Write(plot, report, geometry, $"{description}, {MachineLimits.DTypeName(request.Compute.DType)}");
        }

        if (request.JsonOutPath is { } jsonOut)
        {
            AtomicFile.Write(jsonOut, "--json-out", temporary => File.WriteAllText(temporary,
                report.ToJson().ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }) + "\n"));
        }

        if (request.Json)
        {
            context.Output.WriteLine(report.ToJson().ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
        }
        else
        {
            report.WriteTables(context.Output);
        }

        return 0;
    }

    /// <summary>The cost model's view of the loaded checkpoint: tower up to its feature layer, projector, decoder.</summary>
    public static VlmGeometry Geometry(VisionLanguageModel model)
    {
        var tower = model.VisionTower.Config;
        var text = model.LanguageModel.Config;
        return new VlmGeometry(
            new EncoderGeometry(model.VisionTower.FeatureHiddenStateIndex, tower.HiddenSize, tower.IntermediateSize, tower.NumPositions, tower.PatchSize, tower.HasCls),
            new ProjectorGeometry(tower.HiddenSize, text.HiddenSize),
            new DecoderGeometry(text.NumHiddenLayers, text.HiddenSize, text.IntermediateSize, text.NumAttentionHeads, text.NumKeyValueHeads, text.HeadDim, text.VocabSize));
    }
}
