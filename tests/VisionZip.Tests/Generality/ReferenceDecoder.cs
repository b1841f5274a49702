using static TorchSharp.torch;

namespace VisionZip.Tests.Generality;

/// <summary>
/// A float64 decoder written from the transformers Llama / Mistral / Qwen2 modules with plain tensor algebra: RMSNorm,
/// rotary embeddings by rotate_half (default or linear), key/value heads repeated for grouped-query attention, an explicit
/// causal (optionally sliding-window) softmax, SwiGLU, tied or separate head. Independent of the library's modules.
/// </summary>
internal static class ReferenceDecoder
{
    /// <summary>Logits [B, T, vocab] of every position of <paramref name="ids"/> [B, T], in the caller's dispose scope.</summary>
    public static Tensor Logits(RandomDecoderCheckpoint weights, Tensor ids) => LogitsFromEmbeddings(weights, Embed(weights, ids));

    /// <summary>Token embeddings [B, T, hidden] (float64) of <paramref name="ids"/> [B, T].</summary>
    public static Tensor Embed(RandomDecoderCheckpoint weights, Tensor ids) =>
        weights["model.embed_tokens.weight"].index_select(0, ids.flatten()).reshape(ids.shape[0], ids.shape[1], weights.Spec.Hidden);

    /// <summary>Logits [B, T, vocab] of every position of <paramref name="embeddings"/> [B, T, hidden].</summary>
    public static Tensor LogitsFromEmbeddings(RandomDecoderCheckpoint weights, Tensor embeddings)
    {
        var spec = weights.Spec;
        long batch = embeddings.shape[0], length = embeddings.shape[1];
        int headDim = spec.ResolvedHeadDim, groups = spec.Heads / spec.KeyValueHeads;
        var x = embeddings.to(ScalarType.Float64);
        var (cos, sin) = Rotary(spec, length);
        var positions = arange(length, ScalarType.Int64);
        var difference = positions.unsqueeze(1) - positions.unsqueeze(0);               // query - key, [T, T]

        for (int layer = 0; layer < spec.Layers; layer++)
        {
            string p = $"model.layers.{layer}.";
            Tensor Projection(string name, Tensor input, bool bias) =>
                Linear(input, weights[$"{p}{name}.weight"], bias ? weights[$"{p}{name}.bias"] : null);
            var normed = RmsNorm(x, weights[$"{p}input_layernorm.weight"]);
            var query = Projection("self_attn.q_proj", normed, spec.QkvBias).reshape(batch, length, spec.Heads, headDim).permute(0, 2, 1, 3);
            var key = Projection("self_attn.k_proj", normed, spec.QkvBias).reshape(batch, length, spec.KeyValueHeads, headDim).permute(0, 2, 1, 3);
            var value = Projection("self_attn.v_proj", normed, spec.QkvBias).reshape(batch, length, spec.KeyValueHeads, headDim).permute(0, 2, 1, 3);
            query = Rotate(query, cos, sin);
            key = Rotate(key, cos, sin).repeat_interleave(groups, 1);                   // head h reads kv head h / groups
            value = value.repeat_interleave(groups, 1);

            var allowed = difference.ge(0);
            if (spec.WindowOf(layer) is int window)
            {
                allowed = allowed & difference.lt(window);
            }

            var scores = query.matmul(key.transpose(2, 3)) / Math.Sqrt(headDim);        // [B, H, T, T]
            scores = scores.masked_fill(allowed.logical_not(), double.NegativeInfinity);
            var probabilities = (scores - scores.amax([3], keepdim: true)).exp();
            probabilities = probabilities / probabilities.sum([3], keepdim: true);
            var context = probabilities.matmul(value).permute(0, 2, 1, 3).reshape(batch, length, spec.Heads * headDim);
            x = x + Projection("self_attn.o_proj", context, spec.OutputBias);

            var mlpIn = RmsNorm(x, weights[$"{p}post_attention_layernorm.weight"]);
            var gate = Projection("mlp.gate_proj", mlpIn, spec.LinearMlpBias);
            var up = Projection("mlp.up_proj", mlpIn, spec.LinearMlpBias);
            x = x + Projection("mlp.down_proj", gate / (1 + (-gate).exp()) * up, spec.LinearMlpBias);
        }

        x = RmsNorm(x, weights["model.norm.weight"]);
        var head = spec.Tied ? weights["model.embed_tokens.weight"] : weights["lm_head.weight"];
        return x.matmul(head.t());
    }

    private static (Tensor Cos, Tensor Sin) Rotary(RandomDecoderSpec spec, long length)
    {
        int headDim = spec.ResolvedHeadDim;
        var exponent = arange(0, headDim, 2, ScalarType.Float64) / headDim;
        var inverse = 1.0 / pow(spec.RopeTheta, exponent);                              // [Dh / 2]
        if (spec.LinearRopeFactor is double factor)
        {
            inverse = inverse / factor;
        }

        var angles = arange(length, ScalarType.Float64).unsqueeze(1) * inverse.unsqueeze(0); // [T, Dh / 2]
        angles = cat([angles, angles], 1);
        return (angles.cos(), angles.sin());
    }

    private static Tensor Rotate(Tensor x, Tensor cos, Tensor sin)
    {
        long half = x.shape[3] / 2;
        var rotated = cat([-x.narrow(3, half, half), x.narrow(3, 0, half)], 3);
        return x * cos + rotated * sin;
    }

    private static Tensor RmsNorm(Tensor x, Tensor weight) => x / (x.square().mean([-1], keepdim: true) + 1e-5).sqrt() * weight;

    private static Tensor Linear(Tensor x, Tensor weight, Tensor? bias)
    {
        var y = x.matmul(weight.t());
        return bias is null ? y : y + bias;
    }
}
