using System.Text.Json;
using VisionZip.Models.Checkpoints;

namespace VisionZip.Models.Language;

/// <summary>
/// Geometry and options of a LLaMA-family decoder (Llama/Vicuna, Mistral, Qwen2), read from a Hugging Face
/// <c>config.json</c> or a llava <c>text_config</c> with the transformers <c>LlamaConfig</c> / <c>MistralConfig</c> /
/// <c>Qwen2Config</c> defaults applied to absent fields.
/// </summary>
/// <remarks>Immutable; thread-safe.</remarks>
public sealed record DecoderConfig
{
    /// <summary><c>model_type</c>: "llama", "mistral" or "qwen2".</summary>
    public required string ModelType { get; init; }

    /// <summary><c>vocab_size</c>: rows of <c>embed_tokens</c> and <c>lm_head</c>.</summary>
    public required int VocabSize { get; init; }

    /// <summary><c>hidden_size</c>: the residual stream width.</summary>
    public required int HiddenSize { get; init; }

    /// <summary><c>intermediate_size</c>: the SwiGLU MLP width.</summary>
    public required int IntermediateSize { get; init; }

    /// <summary><c>num_hidden_layers</c>.</summary>
    public required int NumHiddenLayers { get; init; }

    /// <summary><c>num_attention_heads</c>: query heads.</summary>
    public required int NumAttentionHeads { get; init; }

    /// <summary><c>num_key_value_heads</c>: key/value heads (grouped-query attention when fewer than query heads).</summary>
    public required int NumKeyValueHeads { get; init; }

    /// <summary><c>head_dim</c>, by default <c>hidden_size / num_attention_heads</c>.</summary>
    public required int HeadDim { get; init; }

    /// <summary><c>hidden_act</c> of the MLP gate; only "silu" is supported.</summary>
    public string HiddenAct { get; init; } = "silu";

    /// <summary><c>max_position_embeddings</c>: the context length generation accepts.</summary>
    public required int MaxPositionEmbeddings { get; init; }

    /// <summary><c>rms_norm_eps</c>.</summary>
    public double RmsNormEps { get; init; } = 1e-6;

    /// <summary><c>rope_theta</c>: the RoPE base.</summary>
    public double RopeTheta { get; init; } = 10000.0;

    /// <summary><c>rope_scaling</c>, or null for plain RoPE.</summary>
    public RopeScaling? RopeScaling { get; init; }

    /// <summary><c>tie_word_embeddings</c>: no <c>lm_head.weight</c>; logits use <c>embed_tokens</c>.</summary>
    public bool TieWordEmbeddings { get; init; }

    /// <summary>Bias on q_proj, k_proj and v_proj (Llama <c>attention_bias</c>; always true for Qwen2).</summary>
    public bool QkvBias { get; init; }

    /// <summary>Bias on o_proj (Llama <c>attention_bias</c>; never for Mistral and Qwen2).</summary>
    public bool OutputBias { get; init; }

    /// <summary>Bias on gate_proj, up_proj and down_proj (Llama <c>mlp_bias</c>).</summary>
    public bool MlpBias { get; init; }

    /// <summary>
    /// Attention window in tokens for the layers that use one (Mistral <c>sliding_window</c>; Qwen2 only with
    /// <c>use_sliding_window</c>, for layers from <see cref="MaxWindowLayers"/> on); null = full attention.
    /// </summary>
    public int? SlidingWindow { get; init; }

    /// <summary>Qwen2 <c>max_window_layers</c>: layers below this index never use the sliding window.</summary>
    public int MaxWindowLayers { get; init; }

    /// <summary><c>bos_token_id</c>, if any.</summary>
    public int? BosTokenId { get; init; }

    /// <summary><c>eos_token_id</c> (an integer or a list in the file); empty when absent.</summary>
    public IReadOnlyList<int> EosTokenIds { get; init; } = [];

    /// <summary><c>pad_token_id</c>, if any.</summary>
    public int? PadTokenId { get; init; }

    /// <summary><c>torch_dtype</c> as written (e.g. "float16"), if any.</summary>
    public string? TorchDtype { get; init; }

    /// <summary>Where the config came from, for messages.</summary>
    public string Source { get; init; } = "config";

    /// <summary>The sliding window of one layer, or null when that layer attends to the whole context.</summary>
    public int? SlidingWindowForLayer(int layer) => layer >= MaxWindowLayers ? SlidingWindow : null;

    /// <summary>Reads a decoder <c>config.json</c> (llama, mistral or qwen2).</summary>
    /// <exception cref="FileNotFoundException">No file at that path.</exception>
    /// <exception cref="InvalidDataException">Not valid JSON, or a field is malformed or inconsistent; names the file and field.</exception>
    /// <exception cref="NotSupportedException">A model type, activation or rope type this decoder does not implement.</exception>
    public static DecoderConfig FromFile(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        string fullPath = Path.GetFullPath(path);
        return FromJson(JsonPolicy.ReadObject(fullPath, "decoder config"), fullPath);
    }

    /// <summary>
    /// Reads a decoder config from JSON: a whole <c>config.json</c> or a llava <c>text_config</c> element
    /// (where an absent <c>model_type</c> means "llama", as in transformers' <c>LlavaConfig</c>).
    /// </summary>
    /// <param name="element">The JSON object.</param>
    /// <param name="source">Names the origin in error messages (e.g. "config.json -> text_config").</param>
    /// <exception cref="InvalidDataException">A field is malformed or inconsistent; the message names the source and field.</exception>
    /// <exception cref="NotSupportedException">A model type, activation or rope type this decoder does not implement.</exception>
    public static DecoderConfig FromJson(JsonElement element, string source = "config")
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidDataException($"{source}: expected a JSON object, got {element.ValueKind}");
        }

        return DecoderConfigReader.Read(new JsonFields(element, source));
    }

    /// <summary>Parses a decoder config from JSON text.</summary>
    /// <exception cref="InvalidDataException">Not valid JSON, or a field is malformed or inconsistent.</exception>
    /// <exception cref="NotSupportedException">A model type, activation or rope type this decoder does not implement.</exception>
    public static DecoderConfig Parse(string json, string source = "config") => FromJson(JsonPolicy.ParseObject(json, source), source);
}
