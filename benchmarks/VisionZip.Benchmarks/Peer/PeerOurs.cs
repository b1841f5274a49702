using System.Diagnostics;
using VisionZip.Models;
using VisionZip.Models.Imaging;
using VisionZip.Models.Language;
using VisionZip.Models.Llava;
using static TorchSharp.torch;

namespace VisionZip.Benchmarks.Peer;

/// <summary>
/// Our side: a llava-hf checkpoint through the public facade, the way <c>visionzip bench</c> answers an image (decode
/// the file, encode through the tile path, prefill the prompt with the image rows, pick the first token), then greedy
/// steps. Each run gets its own KV cache sized for the prompt and the steps.
/// </summary>
public sealed class PeerOurs(string checkpointDirectory, WeightQuantization quantization, int textTokens) : IDisposable
{
    private readonly VisionLanguageModel _model = AfterLoading(VisionLanguageModel.Load(checkpointDirectory, ScalarType.BFloat16, CPU, ModelParts.All, quantization));

    // As the visionzip tool does once the weights are loaded (see NativeMemoryReuse).
    private static VisionLanguageModel AfterLoading(VisionLanguageModel model)
    {
        VisionZip.Runtime.NativeMemoryReuse.Enable();
        return model;
    }
    private long[]? _prompt;

    /// <summary>The loaded model.</summary>
    public VisionLanguageModel Model => _model;

    /// <summary>One answer: <paramref name="imagePath"/> encoded with <paramref name="options"/>, then <paramref name="decodeTokens"/> steps.</summary>
    public PeerSample Run(string imagePath, ImageEncodeOptions options, int decodeTokens)
    {
        _prompt ??= PeerPrompt.WithImage(_model, textTokens);
        long start = Stopwatch.GetTimestamp();
        RgbImage image = ImageDecoder.Load(imagePath);
        using var encoded = _model.EncodeImage(image, options);
        double encoder = Stopwatch.GetElapsedTime(start).TotalMilliseconds;

        int promptTokens = _prompt.Length - 1 + encoded.TokenCount;
        using var cache = _model.LanguageModel.CreateCache(promptTokens + decodeTokens + 1);
        start = Stopwatch.GetTimestamp();
        long next;
        using (var result = _model.Prefill(_prompt, [encoded], cache))
        {
            next = result.Logits.argmax(-1).item<long>();
        }

        double prefill = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        start = Stopwatch.GetTimestamp();
        for (int i = 0; i < decodeTokens; i++)
        {
            next = _model.LanguageModel.NextGreedyToken(next, cache);
        }

        double decode = Stopwatch.GetElapsedTime(start).TotalMilliseconds / Math.Max(1, decodeTokens);
        return new PeerSample(encoded.TokenCount, promptTokens, encoder, prefill, decode, double.NaN);
    }

    /// <inheritdoc />
    public void Dispose() => _model.Dispose();
}
