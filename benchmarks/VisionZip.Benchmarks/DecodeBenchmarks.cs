using BenchmarkDotNet.Attributes;
using VisionZip.Models.Language;
using VisionZip.Runtime;

namespace VisionZip.Benchmarks;

/// <summary>
/// One batch-1 decode step of LLaVA-1.5-7B's decoder (Vicuna-7B width, <see cref="PrefillCheckpoint.Layers"/> layers,
/// random weights, lm_head over 32064) after a 104-position prompt, with float32, bfloat16 or int8 weights: the token
/// embedding, every layer (projections through the SIMD matrix-vector kernels, KV-cache append, attention over the
/// cache), lm_head and a greedy pick. Kept for regression tracking; the side-by-side ratios against the memory
/// bandwidth come from <see cref="DecodeSideBySide"/> (<c>-- decode-side-by-side</c>).
/// </summary>
[MemoryDiagnoser(displayGenColumns: false)]
public class DecodeBenchmarks
{
    private LlamaForCausalLM _model = null!;
    private KvCache _cache = null!;
    private long _token = 5;

    /// <summary>Weight format.</summary>
    [Params(DecodeWeights.Float32, DecodeWeights.BFloat16, DecodeWeights.Int8)]
    public DecodeWeights Weights { get; set; }

    /// <summary>Loads the decoder and prefills the prompt.</summary>
    [GlobalSetup]
    public void Setup()
    {
        TorchRuntime.EnsureLoaded();
        _model = DecodeConfiguration.Load(Weights);
        _cache = DecodeConfiguration.Prefill(_model, seed: 1);
    }

    /// <summary>One decode step.</summary>
    [Benchmark]
    public long DecodeStep() => _token = DecodeConfiguration.Step(_model, _cache, _token);

    /// <summary>Frees the model and cache.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        _cache.Dispose();
        _model.Dispose();
    }
}
