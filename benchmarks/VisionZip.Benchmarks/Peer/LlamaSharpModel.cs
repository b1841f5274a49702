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

/// <summary>One sequence in its own llama.cpp context: a prefill, then greedy steps.</summary>
public sealed class LlamaSharpSequence : IDisposable
{
    private readonly LLamaContext _context;
    private readonly LLamaBatch _batch = new();
    private readonly int _vocabulary;
    private int _position;

    internal LlamaSharpSequence(LLamaContext context, int vocabulary)
    {
        _context = context;
        _vocabulary = vocabulary;
    }

    /// <summary>Positions in the KV cache.</summary>
    public int Length => _position;

    /// <summary>
    /// Runs <paramref name="tokens"/> in one decode call and returns the logits of the last one, or of every one when
    /// <paramref name="allLogits"/> ([tokens x vocabulary], row-major).
    /// </summary>
    public float[] Prefill(IReadOnlyList<int> tokens, bool allLogits = false)
    {
        _batch.Clear();
        for (int i = 0; i < tokens.Count; i++)
        {
            _batch.Add(tokens[i], _position + i, LLamaSeqId.Zero, allLogits || i == tokens.Count - 1);
        }

        Decode();
        _position += tokens.Count;
        int first = allLogits ? 0 : tokens.Count - 1;
        var logits = new float[(tokens.Count - first) * _vocabulary];
        for (int i = first; i < tokens.Count; i++)
        {
            _context.NativeHandle.GetLogitsIth(i).CopyTo(logits.AsSpan((i - first) * _vocabulary, _vocabulary));
        }

        return logits;
    }

    /// <summary>One decode step of <paramref name="token"/>; returns the greedy next token.</summary>
    public int Step(int token)
    {
        StepOnly(token);
        return ArgMax(_context.NativeHandle.GetLogitsIth(0));
    }

    /// <summary>One decode step of <paramref name="token"/>; returns a copy of its logits.</summary>
    public float[] StepLogits(int token)
    {
        StepOnly(token);
        return _context.NativeHandle.GetLogitsIth(0).ToArray();
    }

    /// <summary>Index of the largest value (the first on ties).</summary>
    public static int ArgMax(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++)
        {
            if (values[i] > values[best])
            {
                best = i;
            }
        }

        return best;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _context.Dispose();
    }

    private void StepOnly(int token)
    {
        _batch.Clear();
        _batch.Add(token, _position, LLamaSeqId.Zero, true);
        Decode();
        _position++;
    }

    private void Decode()
    {
        var result = _context.Decode(_batch);
        if (result != DecodeResult.Ok)
        {
            throw new InvalidOperationException($"llama_decode returned {result} for {_batch.TokenCount} tokens at position {_position}");
        }

        _context.NativeHandle.Synchronize();
    }
}

/// <summary>Process-wide setup of LLamaSharp's native library: llama.cpp's log lines are dropped, not printed.</summary>
public static class LlamaSharpNative
{
    private static readonly Lock Gate = new();
    private static bool _configured;

    /// <summary>Configures the native library once, before its first load.</summary>
    public static void Configure()
    {
        lock (Gate)
        {
            if (_configured)
            {
                return;
            }

            if (!NativeLibraryConfig.LLama.LibraryHasLoaded)
            {
                NativeLibraryConfig.All.WithLogCallback((level, message) => { });
            }

            _configured = true;
        }
    }

    /// <summary>
    /// llama.cpp's own account of what its CPU build uses (<c>llama_print_system_info</c>: AVX512, AVX512_BF16,
    /// AVX512_VNNI, AMX... each 0 or 1), so the report says which kernels the peer ran with.
    /// </summary>
    public static string SystemInfo()
    {
        Configure();
        return (System.Runtime.InteropServices.Marshal.PtrToStringUTF8(NativeApi.llama_print_system_info()) ?? "").Trim();
    }
}
