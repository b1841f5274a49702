using System.Diagnostics;
using System.Globalization;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using VisionZip.Models.Language;
using VisionZip.Runtime;
using static TorchSharp.torch;

namespace VisionZip.Benchmarks;

/// <summary>
/// The same decoder and prompts as <see cref="PrefillBenchmarks"/>, but all four visual-token counts side by side in
/// one process: each invocation is one round that runs 576, 192, 128 and 64 (reversed every other round, so drift
/// within a round favours no count), timing each. Ratios are taken within a round (the median over rounds), so load
/// from other jobs on a shared machine hits vanilla and zipped alike instead of whichever case happened to run during
/// a busy minute.
/// </summary>
/// <remarks>
/// BenchmarkDotNet's own columns time the whole round; the per-count medians and paired ratios are in the custom
/// columns and in the table <see cref="PrefillCleanup"/> prints when the run of this type ends. On a shared machine
/// run with <c>--envVars OMP_WAIT_POLICY:PASSIVE</c> (docs/benchmarks-prefill.md): spinning OpenMP workers otherwise
/// stall behind descheduled partners and the timings swing several-fold between processes.
/// </remarks>
[Config(typeof(PrefillInterleavedConfig))]
public class PrefillInterleavedBenchmarks
{
    /// <summary>Visual-token counts of one round, vanilla first.</summary>
    public static readonly int[] VisualTokenCounts = [PrefillBenchmarks.VanillaVisualTokens, 192, 128, 64];

    private readonly PrefillRoundRecords _records = new(VisualTokenCounts.Length);
    private LlamaForCausalLM _model = null!;
    private Tensor[] _prompts = [];    // per count [1, TextTokens + count, hidden]
    private Tensor _nextToken = null!; // [1, 1, hidden]
    private KvCache[] _caches = [];    // DecodeRound only: per count, the prefilled prompt
    private string _method = "";
    private int _round;

    /// <summary>Dtype of weights and activations.</summary>
    [Params(ScalarType.Float32, ScalarType.BFloat16)]
    public ScalarType DType { get; set; }

    /// <summary>Loads the model and draws the four prompts.</summary>
    [GlobalSetup(Target = nameof(PrefillRound))]
    public void SetupPrefill()
    {
        _method = nameof(PrefillRound);
        Load();
    }

    /// <summary>Loads the model, draws the prompts and prefills one cache per prompt.</summary>
    [GlobalSetup(Target = nameof(DecodeRound))]
    public void SetupDecode()
    {
        _method = nameof(DecodeRound);
        Load();
        _caches = new KvCache[_prompts.Length];
        for (int i = 0; i < _prompts.Length; i++)
        {
            _caches[i] = _model.CreateCache(PromptLength(i) + 1);
            using var logits = _model.ForwardEmbeddings(_prompts[i], _caches[i]);
        }
    }

    /// <summary>Saves the per-count results and frees everything.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        _records.Save(_method, DType.ToString());
        foreach (var cache in _caches)
        {
            cache.Dispose();
        }

        foreach (var prompt in _prompts)
        {
            prompt.Dispose();
        }

        _nextToken.Dispose();
        _model.Dispose();
    }

    /// <summary>One prefill of each prompt (fresh cache, last-position logits).</summary>
    [Benchmark]
    public long PrefillRound()
    {
        long checksum = 0;
        foreach (int i in RoundOrder())
        {
            var (wall, cpu) = Start();
            using (var cache = _model.CreateCache(PromptLength(i) + 1))
            using (var logits = _model.ForwardEmbeddings(_prompts[i], cache)) // [1, vocab]
            {
                checksum += logits.shape[1];
            }

            _records.Add(i, wall.Elapsed.TotalSeconds, (Environment.CpuUsage.TotalTime - cpu).TotalSeconds);
        }

        _records.EndRound();
        return checksum;
    }

    /// <summary>One decode step after each cached prompt (each cache cut back afterwards).</summary>
    [Benchmark]
    public long DecodeRound()
    {
        long checksum = 0;
        foreach (int i in RoundOrder())
        {
            var (wall, cpu) = Start();
            using (var logits = _model.ForwardEmbeddings(_nextToken, _caches[i])) // [1, vocab]
            {
                checksum += logits.shape[1];
            }

            _caches[i].Truncate(PromptLength(i));
            _records.Add(i, wall.Elapsed.TotalSeconds, (Environment.CpuUsage.TotalTime - cpu).TotalSeconds);
        }

        _records.EndRound();
        return checksum;
    }

    private IEnumerable<int> RoundOrder()
    {
        var order = Enumerable.Range(0, VisualTokenCounts.Length);
        return _round++ % 2 == 0 ? order : order.Reverse();
    }

    private static (Stopwatch Wall, TimeSpan Cpu) Start() => (Stopwatch.StartNew(), Environment.CpuUsage.TotalTime);

    private static int PromptLength(int index) => PrefillBenchmarks.TextTokens + VisualTokenCounts[index];

    private void Load()
    {
        TorchRuntime.EnsureLoaded();
        _model = LlamaForCausalLM.Load(PrefillCheckpoint.Ensure(), DType);
        using var generator = new Generator(7);
        _prompts = VisualTokenCounts
            .Select((_, i) => randn([1, PromptLength(i), PrefillCheckpoint.HiddenSize], DType, generator: generator).DetachFromDisposeScope())
            .ToArray();
        _nextToken = randn([1, 1, PrefillCheckpoint.HiddenSize], DType, generator: generator).DetachFromDisposeScope();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"// {PrefillCheckpoint.Layers}-layer decoder {DType}, prompts {string.Join("/", VisualTokenCounts.Select((_, i) => PromptLength(i)))} tokens, torch threads {get_num_threads()}"));
    }
}

/// <summary>The paired-ratio columns and the cleanup; the job comes from the command line.</summary>
public sealed class PrefillInterleavedConfig : ManualConfig
{
    /// <summary>Adds a paired wall and CPU ratio column per zipped count, and the cleanup.</summary>
    public PrefillInterleavedConfig()
    {
        foreach (int visual in PrefillInterleavedBenchmarks.VisualTokenCounts.Skip(1))
        {
            AddColumn(new PrefillRoundColumn(visual, cpu: false), new PrefillRoundColumn(visual, cpu: true));
        }

        AddEventProcessor(new PrefillCleanup(typeof(PrefillInterleavedBenchmarks)));
    }
}
