using System.Globalization;
using VisionZip.Models.IO;
using VisionZip.Models.Language;
using static TorchSharp.torch;

namespace VisionZip.Benchmarks;

/// <summary>
/// Accuracy of weight-only int8 against the float32 goldens of the decoder fixtures
/// (<c>dotnet run -c Release --project benchmarks/VisionZip.Benchmarks -- decode-accuracy</c>): logit cosine over
/// every prompt position, logit cosine and greedy agreement over the golden greedy steps (fed the golden tokens, so
/// every step is compared), and the length of the identical prefix when int8 decodes greedily on its own.
/// Prints a Markdown table; activations in float32 and in bfloat16.
/// </summary>
public static class DecodeAccuracy
{
    private static readonly string[] Fixtures = ["llama-tiny", "qwen2-tiny"];

    /// <summary>Prints the table; returns 0.</summary>
    public static int Run()
    {
        string root = FixtureRoot();
        var text = CultureInfo.InvariantCulture;
        Console.WriteLine("| fixture | weights / activations | prompt logit cosine | step logit cosine | greedy agreement (teacher-forced) | identical greedy prefix |");
        Console.WriteLine("| --- | --- | ---: | ---: | ---: | ---: |");
        foreach (string fixture in Fixtures)
        {
            string folder = Path.Combine(root, fixture);
            using var golden = SafetensorsFile.Open(Path.Combine(folder, "golden.safetensors"));
            foreach (var (label, dtype, quantization) in new[]
                     {
                         ("float32 / float32 (reference)", ScalarType.Float32, WeightQuantization.None),
                         ("int8 / float32", ScalarType.Float32, WeightQuantization.Int8),
                         ("bfloat16 / bfloat16", ScalarType.BFloat16, WeightQuantization.None),
                         ("int8 / bfloat16", ScalarType.BFloat16, WeightQuantization.Int8),
                     })
            {
                using var model = LlamaForCausalLM.Load(folder, dtype, null, quantization);
                using var scope = NewDisposeScope();
                var inputIds = golden.Read("input_ids");
                var tokens = golden.Read("greedy_tokens"); // [B, steps]
                int steps = (int)tokens.shape[1];
                double promptCosine = Cosine(golden.Read("logits"), model.Forward(inputIds, logits: LogitsSelection.AllPositions));

                using var cache = model.CreateCache();
                var step = model.Forward(inputIds, cache);
                var forced = new List<Tensor>();
                for (int i = 0; i < steps; i++)
                {
                    forced.Add(step);
                    if (i + 1 < steps)
                    {
                        step = model.Forward(tokens.narrow(1, i, 1), cache);
                    }
                }

                var stepLogits = stack(forced, 1);
                double stepCosine = Cosine(golden.Read("greedy_logits"), stepLogits);
                double agreement = stepLogits.argmax(-1).eq(tokens).to(ScalarType.Float64).mean().item<double>();
                int prefix = FreeRunningPrefix(model, inputIds, tokens);
                Console.WriteLine(string.Create(text,
                    $"| {fixture} | {label} | {promptCosine:F6} | {stepCosine:F6} | {agreement:P1} | {prefix} / {steps} (every sequence) |"));
            }
        }

        return 0;
    }

    // Steps, counted over the whole batch, before int8's own greedy choice first differs from the golden tokens.
    private static int FreeRunningPrefix(LlamaForCausalLM model, Tensor inputIds, Tensor tokens)
    {
        using var scope = NewDisposeScope();
        using var cache = model.CreateCache();
        var logits = model.Forward(inputIds, cache);
        for (int i = 0; i < tokens.shape[1]; i++)
        {
            var next = logits.argmax(-1, keepdim: true); // [B, 1]
            if (!next.eq(tokens.narrow(1, i, 1)).all().item<bool>())
            {
                return i;
            }

            logits = model.Forward(next, cache);
        }

        return (int)tokens.shape[1];
    }

    private static double Cosine(Tensor expected, Tensor actual)
    {
        using var scope = NewDisposeScope();
        var a = expected.to(ScalarType.Float64).flatten();
        var b = actual.to(ScalarType.Float64).flatten();
        return (a.dot(b) / (a.norm() * b.norm())).item<double>();
    }

    private static string FixtureRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            string candidate = Path.Combine(directory.FullName, "tests", "fixtures");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException($"tests/fixtures not found above {AppContext.BaseDirectory}");
    }
}
