using System.Text.Json;
using VisionZip.Models.IO;
using VisionZip.Models.Language;
using VisionZip.Models.Vision;
using static TorchSharp.torch;
using VisionZip.Tests.Support;

namespace VisionZip.Tests.Generality;

/// <summary>Named float32 / int64 outputs of one checkpoint directory through the public APIs; owns its tensors.</summary>
internal sealed class ProbeOutputs : IDisposable
{
    private readonly SortedDictionary<string, Tensor> _tensors = new(StringComparer.Ordinal);

    public IReadOnlyDictionary<string, Tensor> Tensors => _tensors;

    public void Add(string name, Tensor tensor) => _tensors.Add(name, tensor.detach().cpu().clone().DetachFromDisposeScope());

    /// <summary>Asserts every output of <paramref name="expected"/> is bit-identical here (same names, shapes, dtypes, bytes).</summary>
    public void AssertBitIdentical(ProbeOutputs expected, string what)
    {
        Assert.Equal(expected._tensors.Keys, _tensors.Keys);
        foreach (var (name, tensor) in expected._tensors)
        {
            BitExact.Equal(tensor, _tensors[name], $"{what}: {name}");
        }
    }

    public void Dispose()
    {
        foreach (var tensor in _tensors.Values)
        {
            tensor.Dispose();
        }
    }
}

/// <summary>
/// Runs a fixture-like checkpoint directory through the public APIs on fixed seeded inputs: a CLIP / SigLIP tower
/// (vanilla features, feature-layer statistics, VisionZip tokens), a llava-hf checkpoint (the same, plus projector and
/// the decoder's logits over text embeddings with the projected tokens spliced in), or a bare decoder (logits).
/// Everything in float32 compute, as the fixtures' goldens.
/// </summary>
internal static class FixtureProbe
{
    public static ProbeOutputs Run(string directory)
    {
        string modelType = ModelType(directory);
        var outputs = new ProbeOutputs();
        try
        {
            if (modelType.StartsWith("llava", StringComparison.Ordinal))
            {
                ProbeLlava(directory, outputs);
            }
            else if (modelType is "clip" or "siglip" or "clip_vision_model" or "siglip_vision_model")
            {
                using var tower = VisionTower.Load(directory);
                using var scope = NewDisposeScope();
                ProbeTower(tower, outputs);
            }
            else
            {
                using var model = LlamaForCausalLM.Load(directory);
                using var scope = NewDisposeScope();
                var ids = RandomIds(model.Config.VocabSize, batch: 2, length: 11, seed: 5);
                outputs.Add("decoder.logits", model.Forward(ids, null, LogitsSelection.AllPositions));
            }

            return outputs;
        }
        catch
        {
            outputs.Dispose();
            throw;
        }
    }

    /// <summary>The decoder of a llava-hf directory, whichever tensor spelling it uses.</summary>
    public static LlamaForCausalLM LoadLlavaDecoder(string directory)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(directory, "config.json")));
        var config = DecoderConfig.FromJson(document.RootElement.GetProperty("text_config"), "config.json -> text_config");
        using var checkpoint = SafetensorsCheckpoint.Open(directory);
        return checkpoint.Contains("model.language_model.embed_tokens.weight")
            ? LlamaForCausalLM.Load(checkpoint, config, "model.language_model.", "lm_head.weight")
            : LlamaForCausalLM.Load(checkpoint, config, "language_model.model.", "language_model.lm_head.weight");
    }

    /// <summary>A small budget that fits any tower: about a tenth dominant, a fiftieth contextual.</summary>
    public static ZipBudget BudgetFor(VisionTower tower)
    {
        int tokens = tower.Config.NumPositions;
        return new ZipBudget(Math.Max(2, tokens / 10), Math.Max(1, tokens / 50));
    }

    public static Tensor RandomPixels(VisionConfig config, int batch, long seed)
    {
        using var generator = new Generator((ulong)seed);
        return randn([batch, config.NumChannels, config.ImageSize, config.ImageSize], generator: generator);
    }

    public static Tensor RandomIds(int vocab, int batch, int length, long seed)
    {
        using var generator = new Generator((ulong)seed);
        return randint(0, vocab, [batch, length], generator: generator, dtype: ScalarType.Int64);
    }

    private static void ProbeLlava(string directory, ProbeOutputs outputs)
    {
        using var tower = VisionTower.Load(directory);
        using var projector = LlavaMultiModalProjector.Load(directory);
        using var decoder = LoadLlavaDecoder(directory);
        using var scope = NewDisposeScope();
        var (vanilla, zipped) = ProbeTower(tower, outputs);
        var projected = projector.call(zipped);                                           // [1, T, hidden]
        outputs.Add("projector.zipped", projected);
        outputs.Add("projector.vanilla", projector.call(vanilla));

        var text = decoder.EmbedTokens(RandomIds(decoder.Config.VocabSize, batch: 1, length: 7, seed: 13)); // [1, 7, hidden]
        var embeds = cat([text.narrow(1, 0, 3), projected, text.narrow(1, 3, 4)], 1);    // [1, 7 + T, hidden]
        outputs.Add("decoder.logits", decoder.ForwardEmbeddings(embeds, null, LogitsSelection.AllPositions));
    }

    // One image: vanilla features and VisionZip tokens (with their decisions); returns both for the projector.
    private static (Tensor Vanilla, Tensor Zipped) ProbeTower(VisionTower tower, ProbeOutputs outputs)
    {
        var pixels = RandomPixels(tower.Config, batch: 1, seed: 7);
        var vanilla = tower.EncodeVanilla(pixels);
        outputs.Add("tower.vanilla", vanilla);
        using var zipped = tower.ZipWith(pixels, BudgetFor(tower));
        outputs.Add("zip.tokens", zipped.Tokens);
        outputs.Add("zip.kept", zipped.KeptIndices);
        outputs.Add("zip.targets", zipped.ContextualTargets);
        outputs.Add("zip.assignment", zipped.Assignment);
        outputs.Add("zip.scores", zipped.Scores);
        return (vanilla, zipped.Tokens.clone());
    }

    private static string ModelType(string directory)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(directory, "config.json")));
        return document.RootElement.TryGetProperty("model_type", out var type) ? type.GetString() ?? "" : "";
    }
}
