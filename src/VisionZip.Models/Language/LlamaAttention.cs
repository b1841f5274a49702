using VisionZip.Models.Language.MatVec;
using static TorchSharp.torch;

namespace VisionZip.Models.Language;

/// <summary>
/// Causal self-attention with rotary embeddings and grouped-query attention (transformers <c>LlamaAttention</c>,
/// <c>MistralAttention</c>, <c>Qwen2Attention</c>).
/// </summary>
/// <remarks>
/// Grouped-query attention never repeats K/V: the query heads that share a key/value head are folded into the
/// sequence axis ([B, H, T, Dh] -> [B, kv_heads, groups * T, Dh], head h reading kv head h / groups as in
/// transformers' <c>repeat_kv</c>), so scaled_dot_product_attention runs once per kv head over the cached keys as
/// they are. A mask, when needed, is the [T, S] causal mask tiled over the groups.
/// </remarks>
public sealed class LlamaAttention : nn.Module
{
    private readonly nn.Module<Tensor, Tensor> _qProj; // [heads * head_dim, hidden]
    private readonly nn.Module<Tensor, Tensor> _kProj; // [kv_heads * head_dim, hidden]
    private readonly nn.Module<Tensor, Tensor> _vProj; // [kv_heads * head_dim, hidden]
    private readonly nn.Module<Tensor, Tensor> _oProj; // [hidden, heads * head_dim]
    private readonly int _heads;
    private readonly int _keyValueHeads;
    private readonly int _headDim;
    private readonly int _layerIndex;
    private readonly int? _slidingWindow;

    internal LlamaAttention(string name, DecoderConfig config, int layerIndex,
        nn.Module<Tensor, Tensor> qProj, nn.Module<Tensor, Tensor> kProj, nn.Module<Tensor, Tensor> vProj,
        nn.Module<Tensor, Tensor> oProj) : base(name)
    {
        _qProj = qProj;
        _kProj = kProj;
        _vProj = vProj;
        _oProj = oProj;
        _heads = config.NumAttentionHeads;
        _keyValueHeads = config.NumKeyValueHeads;
        _headDim = config.HeadDim;
        _layerIndex = layerIndex;
        _slidingWindow = config.SlidingWindowForLayer(layerIndex);
        register_module("q_proj", qProj);
        register_module("k_proj", kProj);
        register_module("v_proj", vProj);
        register_module("o_proj", oProj);
    }

    /// <summary>Attends the new positions to themselves and to every cached position.</summary>
    /// <param name="hiddenStates">[B, T, hidden], already normalised.</param>
    /// <param name="cos">[T, head_dim] for the new positions.</param>
    /// <param name="sin">[T, head_dim] for the new positions.</param>
    /// <param name="mask">[T, S] boolean (true = attend), or null when every query sees every key.</param>
    /// <param name="cache">Receives this layer's new keys and values; null attends within the input only.</param>
    /// <returns>[B, T, hidden].</returns>
    public Tensor forward(Tensor hiddenStates, Tensor cos, Tensor sin, Tensor? mask, KvCache? cache)
    {
        using var scope = NewDisposeScope();
        long batch = hiddenStates.shape[0];
        long seqLen = hiddenStates.shape[1];
        var query = _qProj.call(hiddenStates).view(batch, seqLen, _heads, _headDim).transpose(1, 2);        // [B, H, T, Dh]
        var key = _kProj.call(hiddenStates).view(batch, seqLen, _keyValueHeads, _headDim).transpose(1, 2);  // [B, KV, T, Dh]
        var value = _vProj.call(hiddenStates).view(batch, seqLen, _keyValueHeads, _headDim).transpose(1, 2); // [B, KV, T, Dh]
        query = LlamaRotaryEmbedding.Apply(query, cos, sin);
        key = LlamaRotaryEmbedding.Apply(key, cos, sin);
        if (cache is not null)
        {
            (key, value) = cache.Append(_layerIndex, key, value); // [B, KV, S, Dh]
        }

        var context = SingleQueryFromCache(query, mask, cache) ?? GroupedAttention(query, key, value, mask); // [B, H, T, Dh]
        var merged = context.transpose(1, 2).reshape(batch, seqLen, _heads * _headDim); // [B, T, H * Dh]
        return _oProj.call(merged).MoveToOuterDisposeScope();
    }

    // A decode step (one query, nothing masked) reads the cache's buffers in place with the CPU kernel; null otherwise.
    private Tensor? SingleQueryFromCache(Tensor query, Tensor? mask, KvCache? cache)
    {
        if (cache is null || mask is not null || query.shape[2] != 1)
        {
            return null;
        }

        var (keys, values, length) = cache.Buffers(_layerIndex);
        return SingleQueryAttention.TryRun(query, keys, values, length, out var context) ? context : null;
    }

    private Tensor GroupedAttention(Tensor query, Tensor key, Tensor value, Tensor? mask)
    {
        int groups = _heads / _keyValueHeads;
        if (groups == 1)
        {
            // A prompt with nothing cached and no window cutting in: the mask is exactly lower-triangular, and SDPA's
            // own causal flag skips the masked blocks instead of reading a [T, T] mask (about 20% faster at 615
            // positions in bfloat16 on the CPU).
            long keys = key.shape[2];
            bool plainCausal = mask is not null && keys == query.shape[2] && (_slidingWindow is null || keys <= _slidingWindow);
            return plainCausal
                ? nn.functional.scaled_dot_product_attention(query, key, value, is_casual: true)
                : nn.functional.scaled_dot_product_attention(query, key, value, mask);
        }

        long batch = query.shape[0];
        long seqLen = query.shape[2];
        var grouped = query.reshape(batch, _keyValueHeads, groups * seqLen, _headDim);   // [B, KV, G * T, Dh], row g * T + t
        var groupedMask = mask?.repeat(groups, 1);                                       // [G * T, S]
        var output = nn.functional.scaled_dot_product_attention(grouped, key, value, groupedMask); // [B, KV, G * T, Dh]
        return output.view(batch, _heads, seqLen, _headDim);
    }
}
