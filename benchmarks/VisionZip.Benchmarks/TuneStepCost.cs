using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using TorchSharp;
using VisionZip.Models;
using VisionZip.Models.Imaging;
using VisionZip.Models.Performance;
using VisionZip.Models.Tuning;
using static TorchSharp.torch;

namespace VisionZip.Benchmarks;

/// <summary>
/// What one VisionZip‡ projector-tuning step costs on this machine (issue 12): <c>tune-cost MODEL_DIR [steps]
/// [fp32|bf16] [answer_tokens]</c>. Loads a LLaVA checkpoint (typically a synthetic 7B-geometry one), lets the teacher
/// answer a few examples, trains <c>steps</c> steps and reports the teacher's cost per example, the time per step
/// (student forward + backward through the frozen language model + AdamW on the projector), peak resident memory and
/// live tensors after every step (they must not grow).
/// </summary>
/// <remarks>
/// A synthetic checkpoint has random weights and no tokenizer. <see cref="TokenizerOverlay"/> builds a directory that
/// links its weights and takes the tokenizer (and the image/pad token ids) of the tiny LLaVA fixture; the prompts are
/// therefore short and the cost per step is that of the language model's width and depth, which is what it measures.
/// </remarks>
public static class TuneStepCost
{
    public static int Run(string[] args)
    {
        if (args.Length < 1)
        {
            Console.Error.WriteLine("usage: tune-cost MODEL_DIR [steps=3] [fp32|bf16] [answer_tokens=8]");
            return 2;
        }

        var text = CultureInfo.InvariantCulture;
        string modelDir = Path.GetFullPath(args[0]);
        int steps = args.Length > 1 ? int.Parse(args[1], text) : 3;
        var dtype = args.Length > 2 && args[2] == "fp32" ? ScalarType.Float32 : ScalarType.BFloat16;
        int answerTokens = args.Length > 3 ? int.Parse(args[3], text) : 8;
        string repo = RepositoryPaths.Root();
        string overlay = TokenizerOverlay.Create(modelDir, Path.Combine(repo, "tests", "fixtures", "llava-1.5-tiny-hf"));
        try
        {
            var clock = Stopwatch.StartNew();
            using var model = VisionLanguageModel.Load(overlay, dtype);
            double loadSeconds = clock.Elapsed.TotalSeconds;

            var examples = Examples(Path.Combine(repo, "tests", "fixtures", "images"));
            var options = new ProjectorTuningOptions
            {
                Steps = steps,
                WarmupSteps = 1,
                AnswerTokens = answerTokens,
                EvaluateEvery = int.MaxValue / 2,
                HeldOutFraction = 0.25,
                Seed = 1,
            };
            PeakMemory.Reset();
            clock.Restart();
            using var distiller = new ProjectorDistiller(model, examples, options);
            double prepareSeconds = clock.Elapsed.TotalSeconds;
            long prepareRss = PeakMemory.PeakResidentBytes();

            var stepSeconds = new List<double>();
            var liveTensors = new List<long>();
            var peakRss = new List<long>();
            PeakMemory.Reset();
            clock.Restart();
            distiller.Train(new Inline<TuningProgress>(_ =>
            {
                stepSeconds.Add(clock.Elapsed.TotalSeconds);
                clock.Restart();
                liveTensors.Add(DisposeScopeManager.Statistics.ThreadTotalLiveCount);
                peakRss.Add(PeakMemory.PeakResidentBytes());
            }));

            var report = new JsonObject
            {
                ["model"] = modelDir,
                ["dtype"] = dtype.ToString(),
                ["answer_tokens"] = answerTokens,
                ["examples"] = examples.Count,
                ["train_examples"] = distiller.TrainCount,
                ["held_out_examples"] = distiller.HeldOutCount,
                ["load_s"] = loadSeconds,
                ["teacher_and_first_evaluation_s"] = prepareSeconds,
                ["teacher_s_per_example"] = prepareSeconds / examples.Count,
                ["step_s"] = new JsonArray([.. stepSeconds.Select(s => (JsonNode)s)]),
                ["step_s_median"] = Median(stepSeconds),
                ["live_tensors_after_step"] = new JsonArray([.. liveTensors.Select(n => (JsonNode)n)]),
                ["peak_rss_bytes_preparing"] = prepareRss,
                ["peak_rss_bytes_per_step"] = new JsonArray([.. peakRss.Select(n => (JsonNode)n)]),
                ["torch_threads"] = get_num_threads(),
            };
            Console.WriteLine(report.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            return 0;
        }
        finally
        {
            Directory.Delete(overlay, recursive: true);
        }
    }

    // Four examples from the three fixture photos (one mirrored), one question each: 3 trained, 1 held out.
    private static List<TuningExample> Examples(string imageDir)
    {
        string[] questions = ["What is in this image?", "Describe the scene.", "What colours do you see?", "What is unusual here?"];
        string[] files = ["astronaut.png", "coffee.png", "coffee_wide.png", "astronaut.png"];
        var examples = new List<TuningExample>();
        for (int i = 0; i < files.Length; i++)
        {
            var image = ImageDecoder.Load(Path.Combine(imageDir, files[i]));
            examples.Add(new TuningExample($"{files[i]}#{i}", i == 3 ? Mirrored(image) : image, questions[i]));
        }

        return examples;
    }

    private static RgbImage Mirrored(RgbImage image)
    {
        var pixels = new byte[image.Pixels.Length];
        for (int y = 0; y < image.Height; y++)
        {
            for (int x = 0; x < image.Width; x++)
            {
                int from = (y * image.Width + x) * 3;
                int to = (y * image.Width + image.Width - 1 - x) * 3;
                pixels[to] = image.Pixels[from];
                pixels[to + 1] = image.Pixels[from + 1];
                pixels[to + 2] = image.Pixels[from + 2];
            }
        }

        return new RgbImage(image.Width, image.Height, pixels);
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count == 0 ? double.NaN : sorted[sorted.Count / 2];
    }

    private sealed class Inline<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
