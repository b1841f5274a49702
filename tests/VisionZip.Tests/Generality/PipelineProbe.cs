using VisionZip.Models;
using VisionZip.Models.Imaging;
using VisionZip.Models.Llava;
using VisionZip.Tests.Support;
using static TorchSharp.torch;

namespace VisionZip.Tests.Generality;

/// <summary>
/// Runs a llava-hf directory through <see cref="VisionLanguageModel"/> on a fixture photo: vanilla and VisionZip visual tokens
/// and a short greedy generation with its step logits (the first step's are the prefill's last-position logits).
/// </summary>
internal static class PipelineProbe
{
    public const int NewTokens = 4;

    public static ProbeOutputs Run(string directory)
    {
        var outputs = new ProbeOutputs();
        try
        {
            using var pipeline = VisionLanguageModel.Load(directory);
            var photo = ImageDecoder.Load(Fixtures.Path("images", "coffee.png"));
            var ids = pipeline.PromptIds("What is shown in this image?");
            var options = pipeline.DefaultGenerationOptions with
            {
                DoSample = false, MaxNewTokens = NewTokens, EosTokenIds = [], ReturnLogits = true,
            };
            foreach (var (name, budget) in new[] { ("vanilla", (ZipBudget?)null), ("zip", FixtureProbe.BudgetFor(pipeline.VisionTower)) })
            {
                using var image = pipeline.EncodeImage(photo, budget);
                using var scope = NewDisposeScope();
                outputs.Add($"{name}.projected", image.Projected!);
                var answer = pipeline.Generate(ids, [image], options);
                Assert.Equal(NewTokens, answer.Tokens.Count);
                outputs.Add($"{name}.tokens", tensor(answer.Tokens.Select(t => (long)t).ToArray()));
                outputs.Add($"{name}.step_logits", stack(answer.Generation.StepLogits!.Select(l => tensor(l)).ToArray()));
            }

            return outputs;
        }
        catch
        {
            outputs.Dispose();
            throw;
        }
    }
}
