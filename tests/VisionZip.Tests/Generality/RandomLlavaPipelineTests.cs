using VisionZip.Models.Imaging;
using VisionZip.Models.Llava;
using VisionZip.Models.Vision;
using VisionZip.Tests.Support;
using static TorchSharp.torch;

namespace VisionZip.Tests.Generality;

/// <summary>Two random llava-hf checkpoints unlike any fixture, written and loaded once per test class.</summary>
public sealed class RandomLlavas : IDisposable
{
    private readonly ScratchDirectory _scratch = new();
    private readonly Dictionary<string, (RandomLlavaCheckpoint Checkpoint, LlavaPipeline Pipeline, int FeatureLayer)> _llavas =
        new(StringComparer.Ordinal);

    public RandomLlavas()
    {
        // LLaVA-1.5 shape, other sizes: CLIP 112/16 (49 patches), layer -2 'default', Mistral text model with GQA, legacy names.
        var clip = VisionConfig.ClipDefaults with
        {
            ImageSize = 112, PatchSize = 16, HiddenSize = 32, NumAttentionHeads = 2, NumHiddenLayers = 3, IntermediateSize = 64,
        };
        var mistral = new RandomDecoderSpec("mistral", Vocab: 1024, Hidden: 48, Intermediate: 64, Layers: 2, Heads: 6, KeyValueHeads: 2,
            RopeTheta: 1_000_000, MaxPositions: 4096);
        Add("clip-mistral", clip, mistral, "llava-1.5-tiny-hf", LlavaSpelling.Legacy, featureLayer: -2, "default", seed: 2025);

        // Interleave shape, other sizes: SigLIP 80/16 (25 patches), last layer 'full', tied Qwen2 text model with GQA, newer names.
        var siglip = VisionConfig.SiglipDefaults with
        {
            ImageSize = 80, PatchSize = 16, HiddenSize = 24, NumAttentionHeads = 3, NumHiddenLayers = 2, IntermediateSize = 48,
        };
        var qwen2 = new RandomDecoderSpec("qwen2", Vocab: 768, Hidden: 40, Intermediate: 56, Layers: 2, Heads: 4, KeyValueHeads: 2,
            Tied: true, RopeTheta: 1_000_000, MaxPositions: 4096);
        Add("siglip-qwen2", siglip, qwen2, "llava-interleave-qwen-tiny-hf", LlavaSpelling.Newer, featureLayer: -1, "full", seed: 3031);
    }

    internal (RandomLlavaCheckpoint Checkpoint, LlavaPipeline Pipeline, int FeatureLayer) this[string name] => _llavas[name];

    public void Dispose()
    {
        foreach (var (checkpoint, pipeline, _) in _llavas.Values)
        {
            pipeline.Dispose();
            checkpoint.Dispose();
        }

        _scratch.Dispose();
    }

    private void Add(string name, VisionConfig vision, RandomDecoderSpec text, string tokenizer, LlavaSpelling spelling,
        int featureLayer, string strategy, long seed)
    {
        var checkpoint = new RandomLlavaCheckpoint(vision, text, tokenizer, seed);
        var pipeline = LlavaPipeline.Load(checkpoint.Write(_scratch.Sub(name), spelling, featureLayer, strategy));
        _llavas.Add(name, (checkpoint, pipeline, featureLayer));
    }
}

/// <summary>
/// <see cref="LlavaPipeline"/> on random llava-hf checkpoints no fixture resembles, end to end against float64 references
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
        TensorAssert.Close(projected, image.Projected, $"{name}: projected visual tokens");

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
