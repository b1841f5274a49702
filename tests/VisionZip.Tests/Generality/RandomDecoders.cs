using VisionZip.Models.Language;

namespace VisionZip.Tests.Generality;

/// <summary>Random decoders written to disk and loaded back, with their float64 reference weights.</summary>
public sealed class RandomDecoders : IDisposable
{
    private readonly ScratchDirectory _scratch = new();
    private readonly Dictionary<string, (RandomDecoderCheckpoint Weights, LlamaForCausalLM Model)> _models = new(StringComparer.Ordinal);

    public RandomDecoders()
    {
        // 6 query heads sharing 2 kv heads (head_dim 8), separate head.
        Add("llama-gqa-untied", new RandomDecoderSpec("llama", Vocab: 50, Hidden: 48, Intermediate: 64, Layers: 2, Heads: 6, KeyValueHeads: 2));
        // head_dim 12 set explicitly (query width 72 != hidden 40), tied head, every llama bias, linear RoPE scaling.
        Add("llama-headdim-tied-bias", new RandomDecoderSpec("llama", Vocab: 37, Hidden: 40, Intermediate: 56, Layers: 2, Heads: 6,
            KeyValueHeads: 3, HeadDim: 12, Tied: true, AttentionBias: true, MlpBias: true, LinearRopeFactor: 2.0));
        // Qwen2 q/k/v bias, 6 heads over 2 kv heads, tied, Qwen2's large rope_theta.
        Add("qwen2-gqa-tied", new RandomDecoderSpec("qwen2", Vocab: 45, Hidden: 48, Intermediate: 72, Layers: 2, Heads: 6, KeyValueHeads: 2,
            Tied: true, RopeTheta: 1_000_000));
        // Multi-query attention with a 5-token sliding window on every layer.
        Add("mistral-mqa-window", new RandomDecoderSpec("mistral", Vocab: 41, Hidden: 32, Intermediate: 48, Layers: 2, Heads: 4,
            KeyValueHeads: 1, SlidingWindow: 5));
        // Multi-head attention (no grouping) with a 5-token window: an uncached prompt of up to 5 positions takes SDPA's
        // causal flag, a longer one the windowed mask.
        Add("mistral-mha-window", new RandomDecoderSpec("mistral", Vocab: 41, Hidden: 32, Intermediate: 48, Layers: 2, Heads: 4,
            KeyValueHeads: 4, SlidingWindow: 5));
        // Multi-head attention without a window (LLaVA-1.5's Vicuna): every uncached prompt takes SDPA's causal flag.
        Add("llama-mha", new RandomDecoderSpec("llama", Vocab: 43, Hidden: 32, Intermediate: 40, Layers: 2, Heads: 4, KeyValueHeads: 4));
        // Qwen2 sliding window from layer 1 on (max_window_layers 1), untied.
        Add("qwen2-window-from-layer-1", new RandomDecoderSpec("qwen2", Vocab: 39, Hidden: 24, Intermediate: 40, Layers: 2, Heads: 3,
            KeyValueHeads: 1, SlidingWindow: 4, MaxWindowLayers: 1));
    }

    internal RandomDecoderCheckpoint Weights(string name) => _models[name].Weights;

    internal LlamaForCausalLM Model(string name) => _models[name].Model;

    public void Dispose()
    {
        foreach (var (weights, model) in _models.Values)
        {
            model.Dispose();
            weights.Dispose();
        }

        _scratch.Dispose();
    }

    private void Add(string name, RandomDecoderSpec spec)
    {
        var weights = new RandomDecoderCheckpoint(spec, seed: 1000 + _models.Count);
        _models.Add(name, (weights, LlamaForCausalLM.Load(weights.Write(_scratch.Sub(name)))));
    }
}
