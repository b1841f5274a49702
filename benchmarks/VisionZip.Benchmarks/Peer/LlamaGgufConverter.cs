using System.Globalization;
using VisionZip.Models;
using VisionZip.Models.Checkpoints;
using VisionZip.Models.IO;
using VisionZip.Models.Language;
using VisionZip.Models.Llava;
using static TorchSharp.torch;

namespace VisionZip.Benchmarks.Peer;

/// <summary>
/// Converts the LLaMA-family decoder of a Hugging Face checkpoint (a bare llama / mistral directory, or the language
/// model inside a llava-hf one) to a GGUF file of llama.cpp's <c>llama</c> architecture, tensor by tensor.
/// </summary>
/// <remarks>
/// <para>Names: <c>embed_tokens</c> -> <c>token_embd</c>; per layer <c>input_layernorm</c> -> <c>attn_norm</c>,
/// <c>q/k/v/o_proj</c> -> <c>attn_q/k/v/output</c>, <c>post_attention_layernorm</c> -> <c>ffn_norm</c>,
/// <c>gate/up/down_proj</c> -> <c>ffn_gate/up/down</c>; <c>norm</c> -> <c>output_norm</c>; <c>lm_head</c> -> <c>output</c>
/// (left out when tied: llama.cpp then reuses <c>token_embd</c>).</para>
/// <para>RoPE: transformers rotates dimension i of a head with i + head_dim/2 (<c>rotate_half</c>); llama.cpp's
/// <c>llama</c> architecture rotates adjacent dimensions 2i and 2i+1 (the layout of Meta's original weights, which the
/// Hugging Face conversion had permuted into halves). So the rows of <c>q_proj</c> (per attention head) and
/// <c>k_proj</c> (per key/value head) are reordered back: within a head, row <c>half * head_dim/2 + i</c> becomes row
/// <c>2i + half</c>. Both sides then compute the same attention scores, since q·k is a sum over matching rows.</para>
/// <para>llama3 rope scaling becomes llama.cpp's <c>rope_freqs</c> tensor (a divisor per frequency: transformers'
/// unscaled inverse frequency over its scaled one); linear scaling becomes <c>rope.scaling.type/factor</c>.</para>
/// <para>Two-dimensional weights are stored as <paramref name="weightType"/> (F32 or BF16) in
/// <see cref="Convert"/>; norms and <c>rope_freqs</c> always as F32. Only one tensor is in memory at a time.</para>
/// </remarks>
public static class LlamaGgufConverter
{
    /// <summary>llama.cpp's <c>general.file_type</c> for an all-F32 file.</summary>
    public const uint FileTypeAllF32 = 0;

    /// <summary>llama.cpp's <c>general.file_type</c> for a mostly-BF16 file.</summary>
    public const uint FileTypeMostlyBF16 = 32;

    /// <summary>Writes the decoder of <paramref name="checkpointDirectory"/> to <paramref name="ggufPath"/>.</summary>
    /// <param name="checkpointDirectory">A llama / mistral or llava-hf checkpoint directory.</param>
    /// <param name="ggufPath">The GGUF file to write (replaced atomically).</param>
    /// <param name="weightType">F32 or BF16 for the matrices.</param>
    /// <param name="name">The model name stored in <c>general.name</c>; null = the directory's name.</param>
    /// <exception cref="NotSupportedException">A model llama.cpp's <c>llama</c> architecture cannot express as converted
    /// here (biases, another activation, another rope type, a vocabulary under 259 tokens).</exception>
    public static void Convert(string checkpointDirectory, string ggufPath, GgmlType weightType, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(checkpointDirectory);
        if (weightType is not (GgmlType.F32 or GgmlType.BF16))
        {
            throw new ArgumentOutOfRangeException(nameof(weightType), weightType, "the converter writes F32 or BF16; quantise with llama.cpp");
        }

        using var directory = CheckpointDirectory.Open(checkpointDirectory);
        var (config, modelPrefix, lmHead) = Decoder(directory);
        Check(config, directory.Path);
        var writer = new GgufWriter();
        WriteMetadata(writer, config, name ?? Path.GetFileName(Path.TrimEndingDirectorySeparator(directory.Path)), weightType);
        AddTensors(writer, directory.Weights, config, modelPrefix, lmHead, weightType);
        writer.Write(ggufPath);
    }

    /// <summary>
    /// Reorders the rows of a q or k projection <c>[heads * head_dim, in]</c> from transformers' half-split RoPE layout
    /// to llama.cpp's adjacent-pair layout (see the remarks of <see cref="LlamaGgufConverter"/>).
    /// </summary>
    public static Tensor ToAdjacentPairRope(Tensor weight, int heads)
    {
        ArgumentNullException.ThrowIfNull(weight);
        long rows = weight.shape[0];
        long columns = weight.shape[1];
        if (rows % (2L * heads) != 0)
        {
            throw new ArgumentException($"a projection with {rows} rows cannot split into {heads} heads of pairs", nameof(weight));
        }

        return weight.view(heads, 2, rows / heads / 2, columns)   // [heads, half, i, in]
            .transpose(1, 2)                                     // [heads, i, half, in]: row 2i + half
            .reshape(rows, columns);
    }

    private static (DecoderConfig Config, string ModelPrefix, string LmHead) Decoder(CheckpointDirectory directory)
    {
        switch (directory.Kind)
        {
            case CheckpointKind.Decoder:
                return (DecoderConfig.FromFile(directory.FilePath(CheckpointDirectory.ConfigFile)), "model.", "lm_head.weight");
            case CheckpointKind.Llava15 or CheckpointKind.LlavaNext:
                var names = LlavaTensorNames.Detect(directory.Weights.Names, directory.Weights.Source);
                return (LlavaConfig.Load(directory).ResolveTextConfig(), names.LanguageModel, names.LmHead ?? "");
            default:
                throw new NotSupportedException($"{directory.Path}: a {directory.Kind} checkpoint has no LLaMA-family decoder to convert");
        }
    }

    private static void Check(DecoderConfig config, string source)
    {
        var problems = new List<string>();
        if (config.ModelType is not ("llama" or "mistral"))
        {
            problems.Add($"model_type '{config.ModelType}' (llama or mistral expected)");
        }

        if (config.QkvBias || config.OutputBias || config.MlpBias)
        {
            problems.Add("projection biases");
        }

        if (config.HiddenAct != "silu")
        {
            problems.Add($"hidden_act '{config.HiddenAct}'");
        }

        if (config.RopeScaling is { RopeType: not (RopeScaling.Llama3 or RopeScaling.Linear or RopeScaling.Default) } scaling)
        {
            problems.Add($"rope_type '{scaling.RopeType}'");
        }

        if (config.VocabSize < GgufVocabulary.MinimumSize)
        {
            problems.Add($"vocab_size {config.VocabSize} (the stand-in vocabulary needs {GgufVocabulary.MinimumSize})");
        }

        if (problems.Count > 0)
        {
            throw new NotSupportedException($"{source}: cannot convert to GGUF llama: {string.Join("; ", problems)}");
        }
    }

    private static void WriteMetadata(GgufWriter writer, DecoderConfig config, string name, GgmlType weightType)
    {
        const string Arch = "llama";
        writer.Set("general.architecture", GgufValue.String(Arch));
        writer.Set("general.name", GgufValue.String(name));
        writer.Set("general.alignment", GgufValue.UInt32(Gguf.Alignment));
        writer.Set("general.file_type", GgufValue.UInt32(weightType == GgmlType.F32 ? FileTypeAllF32 : FileTypeMostlyBF16));
        writer.Set($"{Arch}.vocab_size", GgufValue.UInt32((uint)config.VocabSize));
        writer.Set($"{Arch}.context_length", GgufValue.UInt32((uint)config.MaxPositionEmbeddings));
        writer.Set($"{Arch}.embedding_length", GgufValue.UInt32((uint)config.HiddenSize));
        writer.Set($"{Arch}.block_count", GgufValue.UInt32((uint)config.NumHiddenLayers));
        writer.Set($"{Arch}.feed_forward_length", GgufValue.UInt32((uint)config.IntermediateSize));
        writer.Set($"{Arch}.attention.head_count", GgufValue.UInt32((uint)config.NumAttentionHeads));
        writer.Set($"{Arch}.attention.head_count_kv", GgufValue.UInt32((uint)config.NumKeyValueHeads));
        if (config.HeadDim * config.NumAttentionHeads != config.HiddenSize)
        {
            writer.Set($"{Arch}.attention.key_length", GgufValue.UInt32((uint)config.HeadDim));
            writer.Set($"{Arch}.attention.value_length", GgufValue.UInt32((uint)config.HeadDim));
        }

        writer.Set($"{Arch}.rope.dimension_count", GgufValue.UInt32((uint)config.HeadDim));
        writer.Set($"{Arch}.rope.freq_base", GgufValue.Float32((float)config.RopeTheta));
        writer.Set($"{Arch}.attention.layer_norm_rms_epsilon", GgufValue.Float32((float)config.RmsNormEps));
        if (config.RopeScaling is { RopeType: RopeScaling.Linear } linear)
        {
            writer.Set($"{Arch}.rope.scaling.type", GgufValue.String("linear"));
            writer.Set($"{Arch}.rope.scaling.factor", GgufValue.Float32((float)linear.Factor));
        }

        GgufVocabulary.Write(writer, config.VocabSize);
    }

    private static void AddTensors(GgufWriter writer, SafetensorsCheckpoint weights, DecoderConfig config, string prefix, string lmHead,
        GgmlType weightType)
    {
        var matrixDtype = weightType == GgmlType.F32 ? ScalarType.Float32 : ScalarType.BFloat16;
        void Matrix(string gguf, string hf, Func<Tensor, Tensor>? reorder = null) =>
            writer.AddTensor(gguf, weightType, Shape(weights, hf), () =>
            {
                var tensor = weights.Read(hf, matrixDtype);
                return reorder is null ? tensor : reorder(tensor);
            });
        void Vector(string gguf, string hf) =>
            writer.AddTensor(gguf, GgmlType.F32, Shape(weights, hf), () => weights.Read(hf, ScalarType.Float32));

        Matrix("token_embd.weight", prefix + "embed_tokens.weight");
        if (config.RopeScaling is { RopeType: RopeScaling.Llama3 })
        {
            writer.AddTensor("rope_freqs.weight", GgmlType.F32, [config.HeadDim / 2], () => RopeFrequencyDivisors(config));
        }

        for (int layer = 0; layer < config.NumHiddenLayers; layer++)
        {
            string hf = string.Create(CultureInfo.InvariantCulture, $"{prefix}layers.{layer}.");
            string gguf = string.Create(CultureInfo.InvariantCulture, $"blk.{layer}.");
            Vector(gguf + "attn_norm.weight", hf + "input_layernorm.weight");
            Matrix(gguf + "attn_q.weight", hf + "self_attn.q_proj.weight", w => ToAdjacentPairRope(w, config.NumAttentionHeads));
            Matrix(gguf + "attn_k.weight", hf + "self_attn.k_proj.weight", w => ToAdjacentPairRope(w, config.NumKeyValueHeads));
            Matrix(gguf + "attn_v.weight", hf + "self_attn.v_proj.weight");
            Matrix(gguf + "attn_output.weight", hf + "self_attn.o_proj.weight");
            Vector(gguf + "ffn_norm.weight", hf + "post_attention_layernorm.weight");
            Matrix(gguf + "ffn_gate.weight", hf + "mlp.gate_proj.weight");
            Matrix(gguf + "ffn_up.weight", hf + "mlp.up_proj.weight");
            Matrix(gguf + "ffn_down.weight", hf + "mlp.down_proj.weight");
        }

        Vector("output_norm.weight", prefix + "norm.weight");
        if (!config.TieWordEmbeddings)
        {
            Matrix("output.weight", lmHead);
        }
    }

    // llama.cpp divides each RoPE frequency by rope_freqs[i]; transformers multiplies positions by the scaled inverse
    // frequency. Divisor = unscaled / scaled, both as transformers computes them in float32.
    private static Tensor RopeFrequencyDivisors(DecoderConfig config)
    {
        using var unscaled = LlamaRotaryEmbedding.InverseFrequencies(config with { RopeScaling = null });
        using var scaled = LlamaRotaryEmbedding.InverseFrequencies(config);
        return unscaled / scaled;
    }

    private static long[] Shape(SafetensorsCheckpoint weights, string name) =>
        weights.Info(name)?.Shape ?? throw new InvalidDataException($"{weights.Source}: tensor '{name}' is missing");
}
