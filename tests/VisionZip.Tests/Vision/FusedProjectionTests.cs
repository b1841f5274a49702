using VisionZip.Models.Vision;
using VisionZip.Tests.Support;
using static TorchSharp.torch;

namespace VisionZip.Tests.Vision;

/// <summary>
/// The encoder's q/k/v projections run as one fused product: their Hugging Face parameters must stay (names, shapes,
/// values, nothing else in the state dict) and share the fused tensor's memory instead of doubling it.
/// </summary>
public sealed class FusedProjectionTests
{
    private static readonly VisionConfig Tiny = VisionConfig.ClipDefaults with
    {
        HiddenSize = 32,
        IntermediateSize = 64,
        NumHiddenLayers = 2,
        NumAttentionHeads = 4,
        ImageSize = 28,
        PatchSize = 14,
    };

    public FusedProjectionTests()
    {
        VisionZip.Runtime.TorchRuntime.EnsureLoaded();
    }

    [Fact]
    public void Projections_keep_their_names_and_the_state_dict_has_no_fused_entry()
    {
        using var tower = VisionTower.CreateRandom(Tiny, seed: 5);
        var names = tower.Transformer.named_parameters().Select(p => p.name).ToHashSet(StringComparer.Ordinal);
        foreach (string projection in new[] { "q_proj", "k_proj", "v_proj", "out_proj" })
        {
            Assert.Contains($"encoder.layers.1.self_attn.{projection}.weight", names);
            Assert.Contains($"encoder.layers.1.self_attn.{projection}.bias", names);
        }

        Assert.DoesNotContain(names, name => name.Contains("qkv", StringComparison.Ordinal));
        Assert.DoesNotContain(tower.Transformer.state_dict().Keys, name => name.Contains("qkv", StringComparison.Ordinal));
    }

    [Fact]
    public void Query_key_and_value_parameters_are_consecutive_blocks_of_one_storage()
    {
        using var tower = VisionTower.CreateRandom(Tiny, seed: 5);
        var parameters = tower.Transformer.named_parameters().ToDictionary(p => p.name, p => (Tensor)p.parameter);
        const string prefix = "encoder.layers.0.self_attn.";
        long d = Tiny.HiddenSize;
        var query = parameters[prefix + "q_proj.weight"];
        var queryBias = parameters[prefix + "q_proj.bias"];
        // The whole [3D, D] block seen from q_proj.weight's storage, which starts it.
        var fused = query.as_strided([3 * d, d], [d, 1], 0);
        var fusedBias = queryBias.as_strided([3 * d], [1], 0);
        string[] order = ["q_proj", "k_proj", "v_proj"];
        for (int i = 0; i < order.Length; i++)
        {
            var weight = parameters[$"{prefix}{order[i]}.weight"];
            var bias = parameters[$"{prefix}{order[i]}.bias"];
            Assert.Equal([d, d], weight.shape);
            Assert.Equal(i * d * d, weight.storage_offset());
            Assert.Equal(i * d, bias.storage_offset());
            Assert.True(weight.eq(fused.narrow(0, i * d, d)).all().item<bool>());
            // A view, not a copy: a write through the fused block shows in the parameter.
            float before = weight[1, 2].item<float>();
            fused[i * d + 1, 2] = fused[i * d + 1, 2] + 1.0f;
            Assert.Equal(before + 1.0f, weight[1, 2].item<float>(), 5);
            fusedBias[i * d + 3] = 7.0f;
            Assert.Equal(7.0f, bias[3].item<float>());
        }

        // Distinct random draws per projection (not one block repeated).
        Assert.False(parameters[prefix + "q_proj.weight"].eq(parameters[prefix + "k_proj.weight"]).all().item<bool>());
    }

    [Fact]
    public void The_fused_layer_equals_separate_projections()
    {
        using var tower = VisionTower.CreateRandom(Tiny, seed: 6);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var p = tower.Transformer.named_parameters().ToDictionary(x => x.name, x => (Tensor)x.parameter);
        Tensor W(string name) => p["encoder.layers.0." + name];
        var hidden = randn(2, Tiny.NumPositions, Tiny.HiddenSize, generator: new Generator(3));
        long heads = Tiny.NumAttentionHeads, headDim = Tiny.HeadDim, tokens = Tiny.NumPositions;

        // transformers CLIPEncoderLayer with separate q/k/v linears.
        Tensor Heads(Tensor x) => x.view(2, tokens, heads, headDim).transpose(1, 2);
        Tensor Linear(Tensor x, string name) => nn.functional.linear(x, W(name + ".weight"), W(name + ".bias"));
        var normed = nn.functional.layer_norm(hidden, [Tiny.HiddenSize], W("layer_norm1.weight"), W("layer_norm1.bias"), Tiny.LayerNormEps);
        var context = nn.functional.scaled_dot_product_attention(Heads(Linear(normed, "self_attn.q_proj")),
            Heads(Linear(normed, "self_attn.k_proj")), Heads(Linear(normed, "self_attn.v_proj")));
        var attended = hidden + Linear(context.transpose(1, 2).reshape(hidden.shape), "self_attn.out_proj");
        var normed2 = nn.functional.layer_norm(attended, [Tiny.HiddenSize], W("layer_norm2.weight"), W("layer_norm2.bias"), Tiny.LayerNormEps);
        var intermediate = Linear(normed2, "mlp.fc1");
        var expected = attended + Linear(intermediate * (intermediate * 1.702).sigmoid(), "mlp.fc2");

        var actual = tower.Transformer.Encoder.Layers[0].call(hidden);
        TensorAssert.Close(expected, actual, "fused encoder layer");
        // The layer must not write into its input (residuals are added into the layer's own new tensors).
        Assert.True(hidden.eq(randn(2, tokens, Tiny.HiddenSize, generator: new Generator(3))).all().item<bool>());
    }
}
