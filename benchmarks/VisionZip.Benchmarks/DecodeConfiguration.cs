using VisionZip.Models.Language;
using VisionZip.Models.Performance;
using static TorchSharp.torch;

namespace VisionZip.Benchmarks;

/// <summary>How the decode benchmarks store the decoder's weights.</summary>
public enum DecodeWeights
{
    /// <summary>float32 weights and activations.</summary>
    Float32,

    /// <summary>bfloat16 weights and activations.</summary>
    BFloat16,

    /// <summary>Weight-only int8 projections and lm_head, bfloat16 activations, embeddings and KV cache.</summary>
    Int8,
}

/// <summary>Loading and sizing one <see cref="DecodeWeights"/> configuration of the <see cref="PrefillCheckpoint"/> decoder.</summary>
public static class DecodeConfiguration
{
    /// <summary>Prompt length before the timed step: 40 text tokens + VisionZip's 64 visual tokens.</summary>
    public const int PromptTokens = 104;

    /// <summary>The benchmark decoder's geometry (Vicuna-7B width, <see cref="PrefillCheckpoint.Layers"/> layers).</summary>
    public static DecoderGeometry Geometry { get; } = new(PrefillCheckpoint.Layers, PrefillCheckpoint.HiddenSize,
        PrefillCheckpoint.IntermediateSize, PrefillCheckpoint.Heads, PrefillCheckpoint.Heads, PrefillCheckpoint.HiddenSize / PrefillCheckpoint.Heads,
        PrefillCheckpoint.VocabSize);

    /// <summary>Activation (and KV cache) dtype.</summary>
    public static ScalarType ActivationType(DecodeWeights weights) =>
        weights == DecodeWeights.Float32 ? ScalarType.Float32 : ScalarType.BFloat16;

    /// <summary>Loads the benchmark checkpoint in this configuration.</summary>
    public static LlamaForCausalLM Load(DecodeWeights weights) =>
        LlamaForCausalLM.Load(PrefillCheckpoint.Ensure(), ActivationType(weights), null,
            weights == DecodeWeights.Int8 ? WeightQuantization.Int8 : WeightQuantization.None);

    /// <summary>Bytes one step reads after <see cref="PromptTokens"/> positions (the cost model's count).</summary>
    public static double BytesPerStep(DecodeWeights weights)
    {
        int weightBytes = weights switch { DecodeWeights.Float32 => 4, DecodeWeights.BFloat16 => 2, _ => 1 };
        int kvBytes = weights == DecodeWeights.Float32 ? 4 : 2;
        return Geometry.DecodeBytesPerToken(PromptTokens, weightBytes, kvBytes);
    }

    /// <summary>A cache holding a random <see cref="PromptTokens"/>-position prompt, with room for the step.</summary>
    public static KvCache Prefill(LlamaForCausalLM model, int seed)
    {
        var cache = model.CreateCache(PromptTokens + 16);
        using var scope = NewDisposeScope();
        using var generator = new Generator((ulong)seed);
        var prompt = randn([1, PromptTokens, PrefillCheckpoint.HiddenSize], generator: generator).to(model.DType);
        model.ForwardEmbeddings(prompt, cache);
        return cache;
    }

    /// <summary>One decode step (token id <paramref name="token"/>, greedy pick); the cache is cut back afterwards so every step sees the same length.</summary>
    public static long Step(LlamaForCausalLM model, KvCache cache, long token)
    {
        using var scope = NewDisposeScope();
        var logits = model.Forward(tensor(new[] { token }).view(1, 1), cache);
        long next = logits.argmax(-1).item<long>();
        cache.Truncate(PromptTokens);
        return next;
    }
}
