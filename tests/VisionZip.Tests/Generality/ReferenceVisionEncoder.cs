using VisionZip.Models.Vision;
using static TorchSharp.torch;

namespace VisionZip.Tests.Generality;

/// <summary>What the float64 reference computes for one encoder layer.</summary>
/// <param name="Probabilities">[B, H, N, N] full attention probabilities softmax(QK^T / sqrt(Dh)).</param>
/// <param name="Metric">[B, N, Dh] keys k_proj(layer_norm1(x)) averaged over heads.</param>
internal sealed record ReferenceLayerAttention(Tensor Probabilities, Tensor Metric)
{
    /// <summary>The statistic VisionZip reads: the CLS query row [B, H, N] with CLS, the mean received attention otherwise.</summary>
    public Tensor Statistic(bool hasCls) => hasCls ? Probabilities.select(2, 0) : Probabilities.mean([2]);
}

/// <summary>
/// A float64 CLIP / SigLIP vision encoder written from the transformers modules with plain tensor algebra (patches cut
/// out by reshaping, LayerNorm from mean and variance, explicit softmax attention, activations from their formulas),
/// independent of the library's modules, to check the library at geometries no golden covers.
/// </summary>
internal static class ReferenceVisionEncoder
{
    /// <summary>All L + 1 hidden states [B, N, D] and, per layer, its attention and metric; in the caller's dispose scope.</summary>
    public static (List<Tensor> HiddenStates, List<ReferenceLayerAttention> Layers) Run(RandomVisionCheckpoint weights, Tensor pixelValues)
    {
        var config = weights.Config;
        var hidden = Embed(weights, pixelValues.to(ScalarType.Float64));
        var states = new List<Tensor> { hidden };
        var layers = new List<ReferenceLayerAttention>();
        for (int layer = 0; layer < config.NumHiddenLayers; layer++)
        {
            var (output, attention) = Layer(weights, $"encoder.layers.{layer}.", states[^1]);
            states.Add(output);
            layers.Add(attention);
        }

        return (states, layers);
    }

    /// <summary>The exact-erf GELU LLaVA projector: linear_2(gelu(linear_1(x))) in float64.</summary>
    public static Tensor Project(IReadOnlyDictionary<string, Tensor> projector, Tensor features)
    {
        var x = Linear(features.to(ScalarType.Float64), projector["linear_1.weight"], projector["linear_1.bias"]);
        x = 0.5 * x * (1 + special.erf(x / Math.Sqrt(2)));
        return Linear(x, projector["linear_2.weight"], projector["linear_2.bias"]);
    }

    private static Tensor Embed(RandomVisionCheckpoint weights, Tensor pixels)
    {
        var config = weights.Config;
        long batch = pixels.shape[0], channels = config.NumChannels, patch = config.PatchSize, grid = config.PatchesPerSide;
        // Pixels beyond the last whole patch are dropped, as a 'valid' stride-P convolution does.
        var cropped = pixels.narrow(2, 0, grid * patch).narrow(3, 0, grid * patch);
        var patches = cropped.reshape(batch, channels, grid, patch, grid, patch)
            .permute(0, 2, 4, 1, 3, 5)                                                   // [B, row, col, C, P, P]
            .reshape(batch, grid * grid, channels * patch * patch);                      // [B, N, C*P*P], row-major
        var kernel = weights["embeddings.patch_embedding.weight"].reshape(config.HiddenSize, -1);
        var tokens = patches.matmul(kernel.t());                                         // [B, N, D]
        if (config.HasCls)
        {
            var cls = weights["embeddings.class_embedding"].expand(batch, 1, config.HiddenSize);
            tokens = cat([cls, tokens], 1);                                              // [B, 1 + N, D]
        }
        else
        {
            tokens = tokens + weights["embeddings.patch_embedding.bias"];
        }

        tokens = tokens + weights["embeddings.position_embedding.weight"];
        return config.HasCls ? LayerNorm(tokens, weights, "pre_layrnorm.", config.LayerNormEps) : tokens;
    }

    private static (Tensor Output, ReferenceLayerAttention Attention) Layer(RandomVisionCheckpoint weights, string prefix, Tensor x)
    {
        var config = weights.Config;
        long batch = x.shape[0], tokens = x.shape[1], heads = config.NumAttentionHeads, headDim = config.HeadDim;
        Tensor Heads(Tensor t) => t.reshape(batch, tokens, heads, headDim).permute(0, 2, 1, 3); // [B, H, N, Dh]
        Tensor Projection(string name, Tensor input) =>
            Linear(input, weights[$"{prefix}self_attn.{name}.weight"], weights[$"{prefix}self_attn.{name}.bias"]);

        var normed = LayerNorm(x, weights, prefix + "layer_norm1.", config.LayerNormEps);
        var query = Heads(Projection("q_proj", normed));
        var key = Heads(Projection("k_proj", normed));
        var value = Heads(Projection("v_proj", normed));
        var logits = query.matmul(key.transpose(2, 3)) / Math.Sqrt(headDim);           // [B, H, N, N]
        var shifted = (logits - logits.amax([3], keepdim: true)).exp();
        var probabilities = shifted / shifted.sum([3], keepdim: true);
        var context = probabilities.matmul(value).permute(0, 2, 1, 3).reshape(batch, tokens, heads * headDim);
        var attended = x + Projection("out_proj", context);

        var mlpIn = LayerNorm(attended, weights, prefix + "layer_norm2.", config.LayerNormEps);
        var inner = Activation(config.HiddenAct, Linear(mlpIn, weights[$"{prefix}mlp.fc1.weight"], weights[$"{prefix}mlp.fc1.bias"]));
        var output = attended + Linear(inner, weights[$"{prefix}mlp.fc2.weight"], weights[$"{prefix}mlp.fc2.bias"]);
        return (output, new ReferenceLayerAttention(probabilities, key.mean([1])));
    }

    private static Tensor Linear(Tensor x, Tensor weight, Tensor bias) => x.matmul(weight.t()) + bias;

    private static Tensor LayerNorm(Tensor x, RandomVisionCheckpoint weights, string prefix, double eps)
    {
        var mean = x.mean([-1], keepdim: true);
        var variance = (x - mean).square().mean([-1], keepdim: true);
        return (x - mean) / (variance + eps).sqrt() * weights[prefix + "weight"] + weights[prefix + "bias"];
    }

    private static Tensor Activation(VisionActivation activation, Tensor x) => activation switch
    {
        VisionActivation.QuickGelu => x / (1 + (-1.702 * x).exp()),
        VisionActivation.GeluTanh => 0.5 * x * (1 + (Math.Sqrt(2 / Math.PI) * (x + 0.044715 * x.pow(3))).tanh()),
        VisionActivation.Gelu => 0.5 * x * (1 + special.erf(x / Math.Sqrt(2))),
        _ => throw new ArgumentOutOfRangeException(nameof(activation), activation, "no reference formula"),
    };
}
