using System.Diagnostics;
using VisionZip.Models;
using VisionZip.Models.Imaging;
using VisionZip.Models.Language;
using VisionZip.Models.Llava;
using VisionZip.Models.Performance;
using static TorchSharp.torch;

namespace VisionZip.Cli.Bench;

/// <summary>
/// Runs one configuration once through the facade, the way an application answers an image: decode the file, encode
/// (preprocess, tower, reducer, projector: the facade's own stage times), prefill the prompt, pick the first token,
/// then greedy decode steps. Each run has its own KV cache sized for the prompt and the steps (no regrowth is timed).
/// </summary>
internal sealed class BenchRunner(VisionLanguageModel model, BenchRequest request)
{
    private readonly long[] _vanillaPrompt = PromptIds(model, request.TextTokens);

    /// <summary>The prompt's ids (one image placeholder).</summary>
    public IReadOnlyList<long> Prompt => _vanillaPrompt;

    /// <summary>One run of <paramref name="options"/>.</summary>
    public BenchSample Run(ImageEncodeOptions options)
    {
        PeakMemory.Reset();
        long start = Stopwatch.GetTimestamp();
        RgbImage image = ImageDecoder.Load(request.ImagePath);
        double decodeImage = Stopwatch.GetElapsedTime(start).TotalMilliseconds;

        using var encoded = model.EncodeImage(image, options);
        var stats = encoded.Stats;
        int promptTokens = _vanillaPrompt.Length - 1 + encoded.TokenCount;
        using var cache = model.LanguageModel.CreateCache(promptTokens + request.DecodeTokens + 1);
        double prefill;
        double firstToken;
        long next;
        long kvBytes;
        int prefilled;
        using (var result = model.Prefill(_vanillaPrompt, [encoded], cache))
        {
            prefill = result.Elapsed.TotalMilliseconds;
            prefilled = result.Tokens;
            start = Stopwatch.GetTimestamp();
            next = result.Logits.argmax(-1).item<long>();
            firstToken = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            kvBytes = cache.SizeInBytes / cache.Capacity * cache.Length;   // the filled positions of the preallocated buffers
        }

        double decode = double.NaN;
        if (request.DecodeTokens > 0)
        {
            start = Stopwatch.GetTimestamp();
            for (int i = 0; i < request.DecodeTokens; i++)
            {
                next = model.LanguageModel.NextGreedyToken(next, cache);
            }

            decode = Stopwatch.GetElapsedTime(start).TotalMilliseconds / request.DecodeTokens;
        }

        return new BenchSample(decodeImage, stats.Preprocess.TotalMilliseconds, stats.Vision.TotalMilliseconds, stats.Zip.TotalMilliseconds,
            stats.Projector.TotalMilliseconds, prefill, firstToken, decode, encoded.Tiles, encoded.TokenCount, prefilled, kvBytes,
            PeakMemory.PeakResidentBytes());
    }

    // The checkpoint's chat template around a fixed question when it has a tokenizer; otherwise BOS, text ids and one
    // image placeholder after the first fifth, textTokens ids in all (a synthetic checkpoint has no tokenizer).
    private static long[] PromptIds(VisionLanguageModel model, int textTokens)
    {
        if (model.HasTokenizer)
        {
            return model.PreparePrompt("Describe this image in detail, including every object, colour and any text you can see.", 1);
        }

        long image = model.Config.ImageTokenIndex;
        int vocabulary = model.LanguageModel.Config.VocabSize;
        var ids = new long[textTokens];
        ids[0] = 1;
        for (int i = 1; i < textTokens; i++)
        {
            long id = 100 + (i * 7919L % Math.Max(1, Math.Min(vocabulary, 32000) - 200));
            ids[i] = id == image ? id + 1 : id;
        }

        ids[Math.Max(1, textTokens / 5)] = image;
        return model.PreparePrompt(null, 1, inputIds: ids);
    }
}
