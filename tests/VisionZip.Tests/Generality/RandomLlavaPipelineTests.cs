using VisionZip.Models.Imaging;
using VisionZip.Models.Llava;
using VisionZip.Models.Vision;
using VisionZip.Tests.Support;
using static TorchSharp.torch;

namespace VisionZip.Tests.Generality;

/// <summary>
/// <see cref="LlavaPipeline"/> on a random llava-hf checkpoint no fixture resembles (CLIP 112/16 tower, Mistral text
/// model with grouped-query attention and rope_theta 1e6, newer tensor spelling), end to end against the float64
/// references composed in the test: visual tokens (vanilla and VisionZip), prefill logits and greedy tokens.
/// </summary>
public sealed class RandomLlavaPipelineTests : IDisposable
{
    private const int NewTokens = 4;
    private readonly ScratchDirectory _scratch = new();
    private readonly RandomLlavaCheckpoint _checkpoint;
    private readonly LlavaPipeline _pipeline;

    public RandomLlavaPipelineTests()
    {
        var vision = VisionConfig.ClipDefaults with
        {
            ImageSize = 112, PatchSize = 16, HiddenSize = 32, NumAttentionHeads = 2, NumHiddenLayers = 3, IntermediateSize = 64,
        };
        var text = new RandomDecoderSpec("mistral", Vocab: 1024, Hidden: 48, Intermediate: 64, Layers: 2, Heads: 6, KeyValueHeads: 2,
            RopeTheta: 1_000_000, MaxPositions: 4096);
        _checkpoint = new RandomLlavaCheckpoint(vision, text, seed: 2025);
        _pipeline = LlavaPipeline.Load(_checkpoint.Write(_scratch.Sub("llava"), LlavaSpelling.Newer));
    }

    [Theory]
    [InlineData(0, 0)]  // vanilla: 49 patches, CLS dropped
    [InlineData(8, 4)]
    [InlineData(2, 1)]
    public void Pipeline_matches_the_composed_float64_references(int dominant, int contextual)
    {
        ZipBudget? budget = dominant == 0 ? null : new ZipBudget(dominant, contextual);
        Assert.Equal(LlavaTensorNames.Nested.LanguageModel, _pipeline.TensorNames.LanguageModel);
        Assert.Equal(49, _pipeline.VanillaTokenCount);
        var photo = ImageDecoder.Load(Fixtures.Path("images", "coffee.png"));
        using var scope = NewDisposeScope();

        // Reference visual tokens from the library's preprocessing (parity-tested on the fixtures) onwards.
        var pixels = _pipeline.ImageProcessor.Preprocess(photo);
        Assert.Equal([1L, 3, 112, 112], pixels.shape);
        var (states, layers) = ReferenceVisionEncoder.Run(_checkpoint.Vision, pixels);
        var feature = states[2];                                                           // hidden_states[-2] of 3 layers
        Tensor features;
        if (budget is { } b)
        {
            var statistic = layers[1].Statistic(hasCls: true);
            using var zip = VisionZipper.Zip(feature.to(ScalarType.Float32), statistic.to(ScalarType.Float32),
                layers[1].Metric.to(ScalarType.Float32), b, hasCls: true);
            Assert.True(ZipMargins.Dominant(statistic, b.Dominant, hasCls: true) >= ZipMargins.Required, "dominant scores too close to a tie");
            Assert.True(ZipMargins.Assignment(layers[1].Metric, zip) >= ZipMargins.Required, "a merged token too close to two targets");
            features = zip.Tokens.to(ScalarType.Float64).clone();
        }
        else
        {
            features = feature.narrow(1, 1, 49);
        }

        var projected = _checkpoint.Project(features)[0];                                  // [T, hidden]
        using var image = _pipeline.EncodeImage(photo, budget);
        TensorAssert.Close(projected, image.Projected, "projected visual tokens");

        // Reference prompt: the tokenizer's ids with the projected rows in place of the single <image>.
        long[] ids = _pipeline.PromptIds("What is shown in this image?");
        int at = Array.IndexOf(ids, (long)RandomLlavaCheckpoint.ImageTokenId);
        Assert.True(at >= 0 && Array.LastIndexOf(ids, (long)RandomLlavaCheckpoint.ImageTokenId) == at, "expected one <image> placeholder");
        var idTensor = tensor(ids).unsqueeze(0);
        var text = ReferenceDecoder.Embed(_checkpoint.Decoder, idTensor);
        var embeds = cat([text.narrow(1, 0, at), projected.unsqueeze(0), text.narrow(1, at + 1, ids.Length - at - 1)], 1);

        var expectedTokens = new List<int>();
        var expectedLogits = new List<Tensor>();
        for (int step = 0; step < NewTokens; step++)
        {
            var last = ReferenceDecoder.LogitsFromEmbeddings(_checkpoint.Decoder, embeds)[0, -1]; // [vocab]
            var top = last.topk(2);
            double gap = (top.values[0] - top.values[1]).item<double>() / last.abs().max().item<double>();
            Assert.True(gap >= 2e-4, $"step {step}: top-1 and top-2 logits too close ({gap:E2}) for an exact greedy comparison");
            int token = (int)top.indexes[0].item<long>();
            expectedTokens.Add(token);
            expectedLogits.Add(last);
            embeds = cat([embeds, ReferenceDecoder.Embed(_checkpoint.Decoder, tensor(new long[] { token }).unsqueeze(0))], 1);
        }

        var options = _pipeline.DefaultGenerationOptions with { DoSample = false, MaxNewTokens = NewTokens, EosTokenIds = [], ReturnLogits = true };
        var answer = _pipeline.Generate(ids, [image], options);
        Assert.Equal(expectedTokens, answer.Tokens);
        Assert.Equal(ids.Length - 1 + image.TokenCount, answer.PromptTokens);
        for (int step = 0; step < NewTokens; step++)
        {
            TensorAssert.Close(expectedLogits[step], tensor(answer.Generation.StepLogits![step]), $"step {step} logits");
        }
    }

    public void Dispose()
    {
        _pipeline.Dispose();
        _checkpoint.Dispose();
        _scratch.Dispose();
    }
}
