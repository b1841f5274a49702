using System.Text;
using TorchSharp.Modules;
using VisionZip.Models.IO;
using static TorchSharp.torch;

namespace VisionZip.Models.Language;

/// <summary>
/// The tensor names and shapes a decoder needs, their validation against a checkpoint (every problem in one
/// exception), and reading them as frozen parameters detached from dispose scopes.
/// </summary>
internal sealed class DecoderWeights(SafetensorsCheckpoint checkpoint, ScalarType dtype, Device device,
    WeightQuantization quantization = WeightQuantization.None)
{
    private const int MaxListed = 40;

    /// <summary>Name to shape of every tensor the decoder reads, in load order.</summary>
    public static Dictionary<string, long[]> Expected(DecoderConfig config, string modelPrefix, string? lmHeadName)
    {
        long hidden = config.HiddenSize;
        long queryWidth = (long)config.NumAttentionHeads * config.HeadDim;
        long keyValueWidth = (long)config.NumKeyValueHeads * config.HeadDim;
        long intermediate = config.IntermediateSize;
        var shapes = new Dictionary<string, long[]>(StringComparer.Ordinal)
        {
            [$"{modelPrefix}embed_tokens.weight"] = [config.VocabSize, hidden],
        };
        for (int layer = 0; layer < config.NumHiddenLayers; layer++)
        {
            string p = $"{modelPrefix}layers.{layer}.";
            AddLinear(shapes, $"{p}self_attn.q_proj", queryWidth, hidden, config.QkvBias);
            AddLinear(shapes, $"{p}self_attn.k_proj", keyValueWidth, hidden, config.QkvBias);
            AddLinear(shapes, $"{p}self_attn.v_proj", keyValueWidth, hidden, config.QkvBias);
            AddLinear(shapes, $"{p}self_attn.o_proj", hidden, queryWidth, config.OutputBias);
            AddLinear(shapes, $"{p}mlp.gate_proj", intermediate, hidden, config.MlpBias);
            AddLinear(shapes, $"{p}mlp.up_proj", intermediate, hidden, config.MlpBias);
            AddLinear(shapes, $"{p}mlp.down_proj", hidden, intermediate, config.MlpBias);
            shapes[$"{p}input_layernorm.weight"] = [hidden];
            shapes[$"{p}post_attention_layernorm.weight"] = [hidden];
        }

        shapes[$"{modelPrefix}norm.weight"] = [hidden];
        if (!config.TieWordEmbeddings)
        {
            shapes[lmHeadName ?? throw new ArgumentNullException(nameof(lmHeadName), "an untied decoder needs the lm_head tensor name")] =
                [config.VocabSize, hidden];
        }

        return shapes;
    }

    /// <summary>Throws one <see cref="InvalidDataException"/> listing every missing, mis-shaped or non-float tensor.</summary>
    public static void Validate(SafetensorsCheckpoint checkpoint, IReadOnlyDictionary<string, long[]> expected, string modelPrefix)
    {
        var problems = new List<string>();
        foreach (var (name, shape) in expected)
        {
            var info = checkpoint.Info(name);
            if (info is null)
            {
                problems.Add($"missing '{name}' (expected [{string.Join(", ", shape)}])");
            }
            else if (!info.Shape.SequenceEqual(shape))
            {
                problems.Add($"'{name}' has shape [{string.Join(", ", info.Shape)}], expected [{string.Join(", ", shape)}]");
            }
            else if (!is_floating_point(info.Type))
            {
                problems.Add($"'{name}' is {info.DType}, expected a floating-point tensor");
            }
        }

        if (problems.Count == 0)
        {
            return;
        }

        var message = new StringBuilder($"{checkpoint.Source}: {problems.Count} decoder weight(s) missing or mis-shaped");
        if (!checkpoint.Names.Any(n => n.StartsWith(modelPrefix, StringComparison.Ordinal)))
        {
            message.Append($" (no tensor name starts with '{modelPrefix}')");
        }

        message.Append(':');
        foreach (string problem in problems.Take(MaxListed))
        {
            message.Append("\n  ").Append(problem);
        }

        if (problems.Count > MaxListed)
        {
            message.Append($"\n  ... and {problems.Count - MaxListed} more");
        }

        throw new InvalidDataException(message.ToString());
    }

    /// <summary>Reads one tensor as a frozen parameter in the target dtype and device, owned by no dispose scope.</summary>
    public Parameter Parameter(string name)
    {
        var parameter = new Parameter(checkpoint.ReadWeight(name, dtype, device), requires_grad: false);
        return (Parameter)parameter.DetachFromDisposeScope();
    }

    /// <summary>
    /// A projection named <paramref name="name"/> from <c>{prefix}.weight</c> and, when <paramref name="bias"/>,
    /// <c>{prefix}.bias</c>: dense, or int8 when the decoder is quantised.
    /// </summary>
    public nn.Module<Tensor, Tensor> Linear(string name, string prefix, bool bias) =>
        Projection(name, $"{prefix}.weight", bias ? $"{prefix}.bias" : null);

    /// <summary>A projection from the tensors named <paramref name="weightName"/> and <paramref name="biasName"/> (if any).</summary>
    public nn.Module<Tensor, Tensor> Projection(string name, string weightName, string? biasName)
    {
        var weight = Parameter(weightName);
        var biasParameter = biasName is null ? null : Parameter(biasName);
        return quantization == WeightQuantization.Int8
            ? Int8Linear.Quantize(name, weight, biasParameter)
            : new DecoderLinear(name, weight, biasParameter);
    }

    private static void AddLinear(Dictionary<string, long[]> shapes, string prefix, long outputs, long inputs, bool bias)
    {
        shapes[$"{prefix}.weight"] = [outputs, inputs];
        if (bias)
        {
            shapes[$"{prefix}.bias"] = [outputs];
        }
    }
}
