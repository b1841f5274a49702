using BenchmarkDotNet.Attributes;
using TorchSharp;
using VisionZip.Runtime;
using static TorchSharp.torch;

namespace VisionZip.Benchmarks;

/// <summary>The encoder geometries VisionZip is used with.</summary>
public enum EncoderShape
{
    /// <summary>CLIP ViT-L/14-336 (LLaVA-1.5): 577 tokens incl. CLS, hidden 1024, 16 heads of 64, MLP 4096.</summary>
    ClipL336,

    /// <summary>SigLIP so400m/14-384 (llava-interleave): 729 tokens, no CLS, hidden 1152, 16 heads of 72, MLP 4304.</summary>
    SiglipSo400m384,
}

/// <summary>
/// VisionZip's zip op (float32, batch 1, from the attention statistic) against ONE encoder layer's forward at the
/// same shape (the baseline): the Ratio column is the zip's cost in encoder layers.
/// </summary>
[MemoryDiagnoser(false)]
public class ZipBenchmarks
{
    private const int Heads = 16;

    private BenchEncoderLayer? _layer;
    private Tensor? _hiddenStates;
    private Tensor? _statistic;
    private Tensor? _metric;
    private bool _hasCls;

    [Params(EncoderShape.ClipL336, EncoderShape.SiglipSo400m384)]
    public EncoderShape Encoder { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        TorchRuntime.EnsureLoaded();
        torch.manual_seed(0);
        var (seqLen, hidden, intermediate, hasCls) = Encoder switch
        {
            EncoderShape.ClipL336 => (577, 1024, 4096, true),
            _ => (729, 1152, 4304, false),
        };
        int headDim = hidden / Heads;
        _hasCls = hasCls;
        _layer = new BenchEncoderLayer(hidden, Heads, intermediate);
        _layer.eval();
        _hiddenStates = torch.randn(1, seqLen, hidden).DetachFromDisposeScope();                    // [1, N, D]
        // CLIP: CLS query row per head; SigLIP: attention received per head, averaged over queries. [1, H, N]
        _statistic = torch.randn(1, Heads, seqLen).mul(3).softmax(-1).DetachFromDisposeScope();
        _metric = torch.randn(1, seqLen, headDim).DetachFromDisposeScope();                         // [1, N, Dh]
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _layer?.Dispose();
        _hiddenStates?.Dispose();
        _statistic?.Dispose();
        _metric?.Dispose();
    }

    [Benchmark(Baseline = true, Description = "EncoderLayer")]
    public long EncoderLayer()
    {
        using var noGrad = torch.no_grad();
        using var output = _layer!.call(_hiddenStates!);
        return output.shape[1];
    }

    [Benchmark(Description = "Zip 54+10")]
    public long Zip_54_10() => Zip(ZipPresets.Llava15_64);

    [Benchmark(Description = "Zip 108+20")]
    public long Zip_108_20() => Zip(ZipPresets.Llava15_128);

    [Benchmark(Description = "Zip 162+30")]
    public long Zip_162_30() => Zip(ZipPresets.Llava15_192);

    private long Zip(ZipBudget budget)
    {
        using var result = VisionZipper.Zip(_hiddenStates!, _statistic!, _metric!, budget, _hasCls);
        return result.Tokens.shape[1];
    }
}
