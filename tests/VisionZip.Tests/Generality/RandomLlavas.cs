using VisionZip.Models;
using VisionZip.Models.Llava;
using VisionZip.Models.Vision;

namespace VisionZip.Tests.Generality;

/// <summary>Two random llava-hf checkpoints unlike any fixture, written and loaded once per test class.</summary>
public sealed class RandomLlavas : IDisposable
{
    private readonly ScratchDirectory _scratch = new();
    private readonly Dictionary<string, (RandomLlavaCheckpoint Checkpoint, VisionLanguageModel Pipeline, int FeatureLayer)> _llavas =
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

    internal (RandomLlavaCheckpoint Checkpoint, VisionLanguageModel Pipeline, int FeatureLayer) this[string name] => _llavas[name];

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
        var pipeline = VisionLanguageModel.Load(checkpoint.Write(_scratch.Sub(name), spelling, featureLayer, strategy));
        _llavas.Add(name, (checkpoint, pipeline, featureLayer));
    }
}
