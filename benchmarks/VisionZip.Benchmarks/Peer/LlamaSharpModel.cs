using LLama;
using LLama.Common;
using LLama.Native;

namespace VisionZip.Benchmarks.Peer;

/// <summary>
/// A GGUF model in LLamaSharp (llama.cpp's CPU backend), driven by token ids the way this benchmark drives ours:
/// a prefill is one <c>llama_decode</c> of the whole prompt (batch and micro-batch at least the prompt), then one call
/// per greedy step. Each <see cref="Start"/> makes a fresh context (an empty KV cache), so runs never share state.
/// </summary>
public sealed class LlamaSharpModel : IDisposable
{
    private readonly ModelParams _parameters;
    private readonly LLamaWeights _weights;

    /// <summary>Loads <paramref name="ggufPath"/> (memory-mapped) for contexts of <paramref name="contextSize"/> positions.</summary>
    /// <param name="ggufPath">The GGUF file.</param>
    /// <param name="contextSize">Positions per context (prompt and generated tokens).</param>
    /// <param name="threads">Threads for prefill and decode.</param>
    /// <param name="float32Cache">Keep the KV cache in float32 and flash attention off (the parity test: its CPU kernel
    /// rounds through float16, about 1e-3 relative on the logits) instead of llama.cpp's defaults (float16 cache, flash
    /// attention chosen automatically), which the benchmark uses as a user would.</param>
    public LlamaSharpModel(string ggufPath, int contextSize, int threads, bool float32Cache = false)
    {
        LlamaSharpNative.Configure();
        _parameters = new ModelParams(ggufPath)
        {
            ContextSize = (uint)contextSize,
            BatchSize = (uint)contextSize,
            UBatchSize = (uint)contextSize,
            Threads = threads,
            BatchThreads = threads,
            GpuLayerCount = 0,
        };
        if (float32Cache)
        {
            _parameters.TypeK = GGMLType.GGML_TYPE_F32;
            _parameters.TypeV = GGMLType.GGML_TYPE_F32;
            _parameters.FlashAttention = false;
        }

        _weights = LLamaWeights.LoadFromFile(_parameters);
        Path = ggufPath;
    }

    /// <summary>The GGUF file.</summary>
    public string Path { get; }

    /// <summary>Vocabulary size (logits per position).</summary>
    public int VocabularySize => _weights.Vocab.Count;

    /// <summary>A new sequence with an empty KV cache.</summary>
    public LlamaSharpSequence Start() => new(_weights.CreateContext(_parameters), VocabularySize);

    /// <inheritdoc />
    public void Dispose() => _weights.Dispose();
}
