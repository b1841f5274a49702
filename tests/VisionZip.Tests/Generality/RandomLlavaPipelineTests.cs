using VisionZip.Models;
using VisionZip.Models.Imaging;
using VisionZip.Models.Llava;
using VisionZip.Tests.Support;
using static TorchSharp.torch;

namespace VisionZip.Tests.Generality;

/// <summary>
/// <see cref="VisionLanguageModel"/> on random llava-hf checkpoints no fixture resembles, end to end against float64 references
/// composed in the test (the library's preprocessing and tokenizer, parity-tested on the fixtures, feed them): visual
/// tokens (vanilla and VisionZip), every generation step's logits and the greedy tokens.
/// </summary>
public sealed class RandomLlavaPipelineTests(RandomLlavas llavas) : IClassFixture<RandomLlavas>
{
    private const int NewTokens = 4;

    [Theory]
    [InlineData("clip-mistral", 0, 0, 49)]   // vanilla: 7x7 patches, CLS dropped
    [InlineData("clip-mistral", 8, 4, 12)]
    [InlineData("clip-mistral", 2, 1, 3)]
    [InlineData("siglip-qwen2", 0, 0, 25)]   // vanilla: 5x5 patches, no CLS
    [InlineData("siglip-qwen2", 6, 3, 9)]
    [InlineData("siglip-qwen2", 1, 1, 2)]
    public void Pipeline_matches_the_composed_float64_references(string name, int dominant, int contextual, int visualTokens)
    {
        var (checkpoint, pipeline, featureLayer) = llavas[name];
        ZipBudget? budget = dominant == 0 ? null : new ZipBudget(dominant, contextual);
        var config = checkpoint.Vision.Config;
        bool hasCls = config.HasCls;
        var photo = ImageDecoder.Load(Fixtures.Path("images", "coffee.png"));
        using var scope = NewDisposeScope();

        var pixels = pipeline.ImageProcessor.Preprocess(photo);
        Assert.Equal([1L, 3, config.ImageSize, config.ImageSize], pixels.shape);
        var (states, layers) = ReferenceVisionEncoder.Run(checkpoint.Vision, pixels);
        int index = config.NumHiddenLayers + 1 + featureLayer;
        var feature = states[index];
        Tensor features;
        if (budget is { } b)
        {
            var statistic = layers[index - 1].Statistic(hasCls);
            var metric = layers[index - 1].Metric;
            using var zip = VisionZipper.Zip(feature.to(ScalarType.Float32), statistic.to(ScalarType.Float32), metric.to(ScalarType.Float32), b, hasCls);
            Assert.True(ZipMargins.Dominant(statistic, b.Dominant, hasCls) >= ZipMargins.Required, "dominant scores too close to a tie");
            Assert.True(ZipMargins.Assignment(metric, zip) >= ZipMargins.Required, "a merged token too close to two targets");
            features = zip.Tokens.to(ScalarType.Float64).clone();
        }
        else
        {
            features = hasCls ? feature.narrow(1, 1, config.NumPatches) : feature;
        }

        var projected = checkpoint.Project(features)[0];                                  // [T, hidden]
        using var image = pipeline.EncodeImage(photo, budget);
        Assert.Equal(visualTokens, image.TokenCount);
        TensorAssert.Close(projected, image.Projected!, $"{name}: projected visual tokens");

        // The tokenizer's ids with the projected rows in place of the single <image>.
        long[] ids = pipeline.PromptIds("What is shown in this image?");
        int at = Array.IndexOf(ids, (long)checkpoint.ImageTokenId);
        Assert.True(at >= 0 && Array.LastIndexOf(ids, (long)checkpoint.ImageTokenId) == at, $"{name}: expected one <image> placeholder");
        var text = ReferenceDecoder.Embed(checkpoint.Decoder, tensor(ids).unsqueeze(0));
        var embeds = cat([text.narrow(1, 0, at), projected.unsqueeze(0), text.narrow(1, at + 1, ids.Length - at - 1)], 1);

        var expectedTokens = new List<int>();
        var expectedLogits = new List<Tensor>();
        for (int step = 0; step < NewTokens; step++)
        {
            var last = ReferenceDecoder.LogitsFromEmbeddings(checkpoint.Decoder, embeds)[0, -1]; // [vocab]
            var top = last.topk(2);
            double gap = (top.values[0] - top.values[1]).item<double>() / last.abs().max().item<double>();
            Assert.True(gap >= 2e-4, $"{name} step {step}: top-1 and top-2 logits too close ({gap:E2}) for an exact greedy comparison");
            int token = (int)top.indexes[0].item<long>();
            expectedTokens.Add(token);
            expectedLogits.Add(last);
            embeds = cat([embeds, ReferenceDecoder.Embed(checkpoint.Decoder, tensor(new long[] { token }).unsqueeze(0))], 1);
        }

        var options = pipeline.DefaultGenerationOptions with { DoSample = false, MaxNewTokens = NewTokens, EosTokenIds = [], ReturnLogits = true };
        var answer = pipeline.Generate(ids, [image], options);
        Assert.Equal(expectedTokens, answer.Tokens);
        Assert.Equal(ids.Length - 1 + visualTokens, answer.PromptTokens);
        for (int step = 0; step < NewTokens; step++)
        {
            TensorAssert.Close(expectedLogits[step], tensor(answer.Generation.StepLogits![step]), $"{name} step {step} logits");
        }
    }
}
