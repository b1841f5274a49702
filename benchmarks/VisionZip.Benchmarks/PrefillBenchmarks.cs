using System.Globalization;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using VisionZip.Models.Language;
using VisionZip.Runtime;
using static TorchSharp.torch;

namespace VisionZip.Benchmarks;

/// <summary>
/// What VisionZip buys in the language model: LLaVA-1.5-7B's decoder (Vicuna-7B width: hidden 4096, 32 heads, MLP 11008,
/// vocab 32064; random weights through the real loader) cut to <see cref="PrefillCheckpoint.Layers"/> layers, batch 1,
/// a prompt of <see cref="TextTokens"/> text tokens plus the visual tokens of vanilla LLaVA-1.5 (576) or of the VisionZip
/// presets (192, 128, 64), passed as random <c>inputs_embeds</c>.
/// </summary>
/// <remarks>
/// <para><see cref="Prefill"/>: the whole prompt into a fresh <see cref="KvCache"/>, last-position logits only.</para>
/// <para><see cref="DecodeStep"/>: one more token after that prompt (the cache is truncated back after each step).</para>
/// Float32 and BFloat16 weights and activations. Per-layer cost is the same in every layer, so the time of the
/// 32-layer model is about 32 / <see cref="PrefillCheckpoint.Layers"/> times the measured one (the last-position lm_head,
/// a 4096 x 32064 matrix-vector product, is counted once either way). Custom columns show the vanilla/zipped ratio
/// beside the paper's FLOP model and the KV cache size.
/// </remarks>
[Config(typeof(PrefillBenchmarksConfig))]
public class PrefillBenchmarks
{
    /// <summary>Text tokens around the image (LLaVA-1.5's system prompt plus a short question).</summary>
    public const int TextTokens = 40;

    /// <summary>Visual tokens of vanilla LLaVA-1.5 (24 x 24 patches of CLIP ViT-L/14-336).</summary>
    public const int VanillaVisualTokens = 576;

    private LlamaForCausalLM _model = null!;
    private Tensor _prompt = null!;    // [1, TextTokens + VisualTokens, hidden]
    private Tensor _nextToken = null!; // [1, 1, hidden]
    private KvCache? _cache;           // DecodeStep only: the prefilled prompt
    private readonly PrefillRecords _records = new();
    private string _method = "";

    /// <summary>Visual tokens in the prompt: vanilla, then the LLaVA-1.5 VisionZip presets 192 / 128 / 64.</summary>
    [Params(VanillaVisualTokens, 192, 128, 64)]
    public int VisualTokens { get; set; }

    /// <summary>Dtype of weights and activations.</summary>
    [Params(ScalarType.Float32, ScalarType.BFloat16)]
    public ScalarType DType { get; set; }

    private int PromptLength => TextTokens + VisualTokens;

    /// <summary>Loads the model and draws the prompt.</summary>
    [GlobalSetup(Target = nameof(Prefill))]
    public void SetupPrefill()
    {
        _method = nameof(Prefill);
        Load();
    }

    /// <summary>Loads the model, draws the prompt and prefills the cache the decode step extends.</summary>
    [GlobalSetup(Target = nameof(DecodeStep))]
    public void SetupDecode()
    {
        _method = nameof(DecodeStep);
        Load();
        _cache = _model.CreateCache(PromptLength + 1);
        using var logits = _model.ForwardEmbeddings(_prompt, _cache);
        long expected = PrefillFlopModel.KvCacheBytes(PromptLength + 1, PrefillCheckpoint.Layers, (int)_prompt.ElementSize);
        if (_cache.SizeInBytes != expected)
        {
            throw new InvalidOperationException($"KV cache holds {_cache.SizeInBytes} bytes, the model says {expected}");
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"// KV cache after the prompt: {_cache.Length} positions, {_cache.SizeInBytes} bytes allocated for {_cache.Capacity}"));
    }

    /// <summary>Frees the model, inputs and cache.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        _records.Save(_method, VisualTokens, DType.ToString());
        _cache?.Dispose();
        _nextToken.Dispose();
        _prompt.Dispose();
        _model.Dispose();
    }

    /// <summary>The prompt into a fresh cache, last-position logits (CPU ops are synchronous: the work is done on return).</summary>
    [Benchmark]
    public long Prefill()
    {
        _records.Start();
        using var cache = _model.CreateCache(PromptLength + 1);
        using var logits = _model.ForwardEmbeddings(_prompt, cache); // [1, vocab]
        _records.Stop();
        return logits.shape[1];
    }

    /// <summary>One token after the cached prompt, then the cache is cut back to the prompt.</summary>
    [Benchmark]
    public long DecodeStep()
    {
        _records.Start();
        using var logits = _model.ForwardEmbeddings(_nextToken, _cache); // [1, vocab]
        _cache!.Truncate(PromptLength);
        _records.Stop();
        return logits.shape[1];
    }

    private void Load()
    {
        TorchRuntime.EnsureLoaded();
        string directory = PrefillCheckpoint.Ensure();
        _model = LlamaForCausalLM.Load(directory, DType);
        using var generator = new Generator(7);
        _prompt = randn([1, PromptLength, PrefillCheckpoint.HiddenSize], DType, generator: generator).DetachFromDisposeScope();
        _nextToken = randn([1, 1, PrefillCheckpoint.HiddenSize], DType, generator: generator).DetachFromDisposeScope();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"// {PrefillCheckpoint.Layers}-layer decoder {DType}, prompt {PromptLength} tokens, torch threads {get_num_threads()}"));
    }
}

/// <summary>The prefill columns, vanilla-first row order and the checkpoint cleanup; the job comes from the command line.</summary>
public sealed class PrefillBenchmarksConfig : ManualConfig
{
    /// <summary>Adds the columns, the orderer and the cleanup.</summary>
    public PrefillBenchmarksConfig()
    {
        AddColumn(StatisticColumn.Min, StatisticColumn.Median);
        AddColumn(
            new PrefillColumn(PrefillColumnKind.MeasuredSpeedup),
            new PrefillColumn(PrefillColumnKind.CpuTime),
            new PrefillColumn(PrefillColumnKind.CpuSpeedup),
            new PrefillColumn(PrefillColumnKind.PredictedSpeedup),
            new PrefillColumn(PrefillColumnKind.KvCacheBenchmarked),
            new PrefillColumn(PrefillColumnKind.KvCacheFullModel));
        AddEventProcessor(new PrefillCleanup(typeof(PrefillBenchmarks)));
        WithOrderer(new PrefillOrderer());
    }
}
