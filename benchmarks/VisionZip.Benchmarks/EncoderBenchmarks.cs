using System.Globalization;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using VisionZip.Models.Vision;
using VisionZip.Runtime;
using static TorchSharp.torch;

namespace VisionZip.Benchmarks;

/// <summary>
/// CLIP ViT-L/14-336 encoder (the LLaVA-1.5 tower: 24 layers, hidden 1024, 16 heads, MLP 4096, 577 tokens), random
/// weights in float32 and in bfloat16 (<see cref="DType"/>), batch 1, side by side:
/// (a) the reference way: every layer, each attention map materialised and kept as <c>output_attentions=True</c> forces
///     (explicit <c>softmax(QK^T)V</c>), every hidden state kept;
/// (b) vanilla LLaVA features: SDPA, stops at layer -2 (the last layer never runs);
/// (c) (b) plus VisionZip 54+10 (CLS-row statistic at the feature layer, then the zip).
/// Targets: (c) within 2% of (b); both faster than (a).
/// </summary>
/// <remarks>
/// <c>[MemoryDiagnoser]</c> sees managed allocations only; the "Native peak" column is the process's peak resident set
/// above the post-setup baseline (Linux <c>/proc/self/status</c> VmHWM after resetting it through
/// <c>/proc/self/clear_refs</c>), written by each benchmark process at cleanup and read back by the host; it counts
/// the whole process (allocator caches included), so read it as an order of magnitude.
/// <code>
/// dotnet run -c Release --project benchmarks/VisionZip.Benchmarks -- --filter '*EncoderBenchmarks*' --job short --envVars OMP_WAIT_POLICY:PASSIVE MALLOC_MMAP_THRESHOLD_:131072
/// </code>
/// Measured 2026-11-25 that way on a quiet machine (TorchSharp-cpu 0.107, AMD EPYC Zen 4, 2 cores): (a) 3.060 s,
/// native peak 621.2 MB; (b) 2.569 s (0.84), 45.9 MB; (c) 2.462 s (0.81), 46.2 MB. The pinned mmap threshold makes
/// freed tensors leave the resident set at once; (b) and (c) differ by less than the error of a 3-iteration job
/// (alternated in one process: +1.3%); the zip itself takes under 2 ms. Since then the layer runs q/k/v as one fused
/// product and adds residuals in place (docs/benchmarks-encoder.md has the op-by-op profile and the before/after
/// measured side by side, <c>-- encoder-measure encoder</c>).
/// </remarks>
[MemoryDiagnoser]
[Config(typeof(NativePeakConfig))]
public class EncoderBenchmarks
{
    private VisionTower _tower = null!;
    private Tensor _pixels = null!;
    private Dictionary<string, Tensor> _weights = null!;
    private string _running = "";
    private long _baselineKb;

    /// <summary>Element type of the weights and activations.</summary>
    [Params(ScalarType.Float32, ScalarType.BFloat16)]
    public ScalarType DType { get; set; } = ScalarType.Float32;

    [GlobalSetup]
    public void Setup()
    {
        TorchRuntime.EnsureLoaded();
        _tower = VisionTower.CreateRandom(VisionConfig.ClipVitLarge336, dtype: DType, seed: 1);
        _weights = _tower.Transformer.named_parameters().ToDictionary(p => p.name, p => (Tensor)p.parameter);
        _pixels = randn(1, 3, 336, 336).to(DType);
        // One pass of each path first, so the baseline already holds the libtorch kernel code they page in (a one-time
        // cost, file-backed) and "Native peak" measures what a call allocates.
        using (_tower.EncodeVanilla(_pixels)) { }
        using (_tower.EncodeReduced(_pixels, new VisionZipReducer(new ZipBudget(54, 10)))) { }
        GC.Collect();
        _baselineKb = NativePeak.CurrentKb();
        NativePeak.Reset();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        long deltaKb = NativePeak.PeakKb() - _baselineKb;
        NativePeak.Record($"{_running}-{DType}", deltaKb);
        Console.WriteLine($"// native peak above baseline for {_running}: {deltaKb / 1024.0:F1} MB");
        _pixels.Dispose();
        _tower.Dispose();
    }

    /// <summary>(a) All 24 layers with explicit attention maps kept, as the reference VisionZip code runs the tower.</summary>
    [Benchmark(Baseline = true)]
    public long Reference_all_layers_explicit_attention()
    {
        _running = nameof(Reference_all_layers_explicit_attention);
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var config = _tower.Config;
        var hidden = _tower.Transformer.ForwardHiddenState(_pixels, 0);                  // [1, 577, 1024]
        var hiddenStates = new List<Tensor> { hidden };
        var attentions = new List<Tensor>();
        for (int layer = 0; layer < config.NumHiddenLayers; layer++)
        {
            var (output, probabilities) = ReferenceLayer(hidden, $"encoder.layers.{layer}.", config);
            attentions.Add(probabilities);                                                // [1, 16, 577, 577] each
            hiddenStates.Add(output);
            hidden = output;
        }

        return hiddenStates[^2].shape[1] + attentions[^2].shape[3];
    }

    /// <summary>(b) Vanilla LLaVA features: SDPA, layers 0..22 only, CLS dropped.</summary>
    [Benchmark]
    public long Vanilla_sdpa_to_layer_minus_2()
    {
        _running = nameof(Vanilla_sdpa_to_layer_minus_2);
        using var features = _tower.EncodeVanilla(_pixels);                              // [1, 576, 1024]
        return features.shape[1];
    }

    /// <summary>(c) (b) plus VisionZip 54 dominant + 10 contextual tokens.</summary>
    [Benchmark]
    public long VisionZip_54_10()
    {
        _running = nameof(VisionZip_54_10);
        using var zipped = _tower.EncodeReduced(_pixels, new VisionZipReducer(new ZipBudget(54, 10)));          // [1, 64, 1024]
        return zipped.Tokens.shape[1];
    }

    // transformers CLIPEncoderLayer with eager CLIPAttention (output_attentions=True): the probabilities are returned.
    // Intermediates die with the layer's scope, as PyTorch frees them when their last reference goes.
    private (Tensor Output, Tensor Probabilities) ReferenceLayer(Tensor hidden, string prefix, VisionConfig config)
    {
        using var scope = NewDisposeScope();
        long batch = hidden.shape[0], tokens = hidden.shape[1], heads = config.NumAttentionHeads, headDim = config.HeadDim;
        Tensor W(string name) => _weights[prefix + name];
        Tensor Split(Tensor x) => x.view(batch, tokens, heads, headDim).transpose(1, 2);

        var normed = nn.functional.layer_norm(hidden, [config.HiddenSize], W("layer_norm1.weight"), W("layer_norm1.bias"), config.LayerNormEps);
        var query = Split(nn.functional.linear(normed, W("self_attn.q_proj.weight"), W("self_attn.q_proj.bias")));
        var key = Split(nn.functional.linear(normed, W("self_attn.k_proj.weight"), W("self_attn.k_proj.bias")));
        var value = Split(nn.functional.linear(normed, W("self_attn.v_proj.weight"), W("self_attn.v_proj.bias")));
        var probabilities = query.matmul(key.transpose(-1, -2)).mul_(1.0 / Math.Sqrt(headDim)).softmax(-1); // [B, H, N, N]
        var context = probabilities.matmul(value).transpose(1, 2).reshape(batch, tokens, config.HiddenSize);
        var attended = hidden + nn.functional.linear(context, W("self_attn.out_proj.weight"), W("self_attn.out_proj.bias"));
        var normed2 = nn.functional.layer_norm(attended, [config.HiddenSize], W("layer_norm2.weight"), W("layer_norm2.bias"), config.LayerNormEps);
        var intermediate = config.HiddenAct.Apply(nn.functional.linear(normed2, W("mlp.fc1.weight"), W("mlp.fc1.bias")));
        var output = attended + nn.functional.linear(intermediate, W("mlp.fc2.weight"), W("mlp.fc2.bias"));
        return (output.MoveToOuterDisposeScope(), probabilities.MoveToOuterDisposeScope());
    }

    /// <summary>Adds the "Native peak" column.</summary>
    internal sealed class NativePeakConfig : ManualConfig
    {
        public NativePeakConfig() => AddColumn(new NativePeakColumn());
    }

    /// <summary>Peak resident memory above the post-setup baseline, as recorded by the benchmark process.</summary>
    internal sealed class NativePeakColumn : IColumn
    {
        public string Id => nameof(NativePeakColumn);
        public string ColumnName => "Native peak";
        public bool AlwaysShow => true;
        public ColumnCategory Category => ColumnCategory.Metric;
        public int PriorityInCategory => 10;
        public bool IsNumeric => true;
        public UnitType UnitType => UnitType.Size;
        public string Legend => "Peak resident set above the post-setup baseline (Linux VmHWM after clear_refs), whole process";

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase) =>
            NativePeak.Read($"{benchmarkCase.Descriptor.WorkloadMethod.Name}-{benchmarkCase.Parameters["DType"]}") is { } kb
                ? (kb / 1024.0).ToString("F1", CultureInfo.InvariantCulture) + " MB"
                : "n/a";

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style) => GetValue(summary, benchmarkCase);

        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

        public bool IsAvailable(Summary summary) => OperatingSystem.IsLinux();
    }

    /// <summary>Process resident-set readings (Linux) and the hand-off file between benchmark process and host.</summary>
    private static class NativePeak
    {
        private static readonly string Folder = Path.Combine(Path.GetTempPath(), "visionzip-benchmarks");

        public static long CurrentKb() => Status("VmRSS:");

        public static long PeakKb() => Status("VmHWM:");

        // Writing 5 to clear_refs resets VmHWM to the current resident set (Linux >= 4.0).
        public static void Reset()
        {
            try
            {
                File.WriteAllText("/proc/self/clear_refs", "5");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Console.WriteLine($"// cannot reset the peak resident set ({e.Message}); the native peak includes setup");
            }
        }

        public static void Record(string method, long kb)
        {
            Directory.CreateDirectory(Folder);
            File.WriteAllText(Path.Combine(Folder, method + ".kb"), kb.ToString(CultureInfo.InvariantCulture));
        }

        public static long? Read(string method)
        {
            string file = Path.Combine(Folder, method + ".kb");
            return File.Exists(file) && long.TryParse(File.ReadAllText(file), CultureInfo.InvariantCulture, out long kb) ? kb : null;
        }

        private static long Status(string field)
        {
            if (!File.Exists("/proc/self/status"))
            {
                return 0;
            }

            string? line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith(field, StringComparison.Ordinal));
            return line is null ? 0 : long.Parse(line[field.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
        }
    }
}
