using System.Globalization;
using BenchmarkDotNet.Attributes;
using VisionZip.Models;
using VisionZip.Models.Imaging;
using VisionZip.Models.Language;
using VisionZip.Models.Llava;
using VisionZip.Models.Performance;
using VisionZip.Runtime;
using static TorchSharp.torch;

namespace VisionZip.Benchmarks;

/// <summary>
/// The configurations of <c>visionzip bench</c> under BenchmarkDotNet, kept for regression tracking: image file to
/// first token through the public facade (decode the file, preprocess, encoder, reduction, projector, LLM prefill,
/// greedy pick) on synthetic random-weight checkpoints (<see cref="SyntheticCheckpoint"/>) of LLaVA-1.5-7B and
/// LLaVA-NeXT-7B geometry, vanilla against the paper's VisionZip budgets, in bfloat16 and float32.
/// </summary>
/// <remarks>
/// The LLM has <c>VISIONZIP_BENCH_LLM_LAYERS</c> layers (default 2, so a run fits any machine; the encoder is whole).
/// The first run writes the checkpoints once (~1.6 GB each at 2 layers) under <c>~/.cache/visionzip/synthetic</c>.
/// Medians and the image-to-first-token speedups at full depth come from <c>visionzip bench</c>
/// (docs/benchmarks-bench.md); this class tracks the same paths run by run.
/// <code>
/// dotnet run -c Release --project benchmarks/VisionZip.Benchmarks -- --filter '*TimeToFirstTokenBenchmarks*' --job short --envVars OMP_WAIT_POLICY:PASSIVE
/// </code>
/// </remarks>
public class TimeToFirstTokenBenchmarks
{
    private const int TextTokens = 40;
    private VisionLanguageModel _model = null!;
    private ImageEncodeOptions _options = null!;
    private long[] _prompt = null!;
    private string _photo = null!;

    /// <summary>Geometry and budget: <c>NAME vanilla</c> or <c>NAME D+C</c> (per tile).</summary>
    [ParamsSource(nameof(Configurations))]
    public string Configuration { get; set; } = "";

    /// <summary>The weights' and activations' dtype.</summary>
    [Params(ScalarType.BFloat16, ScalarType.Float32)]
    public ScalarType DType { get; set; }

    /// <summary>The paper's smallest and middle budgets per geometry, each beside its vanilla run.</summary>
    public static IEnumerable<string> Configurations() =>
    [
        "llava-1.5-7b vanilla", "llava-1.5-7b 54+10", "llava-1.5-7b 108+20",
        "llava-next-7b vanilla", "llava-next-7b 27+5",
    ];

    [GlobalSetup]
    public void Setup()
    {
        TorchRuntime.EnsureLoaded();
        string[] parts = Configuration.Split(' ');
        int layers = int.TryParse(Environment.GetEnvironmentVariable("VISIONZIP_BENCH_LLM_LAYERS"), CultureInfo.InvariantCulture, out int n) ? n : 2;
        string directory = SyntheticCheckpoint.Ensure(parts[0], layers);
        _model = VisionLanguageModel.Load(directory, DType, CPU, ModelParts.All, WeightQuantization.None);
        NativeMemoryReuse.Enable();   // after loading, as the visionzip tool does
        _options = parts[1] == "vanilla"
            ? ImageEncodeOptions.Vanilla
            : new ImageEncodeOptions { Reducer = VisualTokenReducers.Create("visionzip", ZipBudget.Parse(parts[1])) };
        _prompt = Peer.PeerPrompt.WithImage(_model, TextTokens);
        _photo = RepositoryPaths.DemoPhoto();
        Console.WriteLine($"// {Configuration}: {layers} LLM layers, {DType}, torch threads {get_num_threads()}");
    }

    [GlobalCleanup]
    public void Cleanup() => _model.Dispose();

    /// <summary>Image file in, first token out.</summary>
    [Benchmark]
    public long ImageToFirstToken()
    {
        RgbImage image = ImageDecoder.Load(_photo);
        using var encoded = _model.EncodeImage(image, _options);
        using var cache = _model.LanguageModel.CreateCache(_prompt.Length - 1 + encoded.TokenCount + 1);
        using var result = _model.Prefill(_prompt, [encoded], cache);
        return result.Logits.argmax(-1).item<long>();
    }
}
