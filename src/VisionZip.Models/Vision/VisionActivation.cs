using static TorchSharp.torch;

namespace VisionZip.Models.Vision;

/// <summary>The activations a CLIP / SigLIP MLP or a LLaVA projector may use (transformers <c>ACT2FN</c> names).</summary>
public enum VisionActivation
{
    /// <summary><c>quick_gelu</c>: <c>x * sigmoid(1.702 x)</c> (CLIP).</summary>
    QuickGelu,

    /// <summary><c>gelu</c>: exact GELU with erf (LLaVA projector).</summary>
    Gelu,

    /// <summary><c>gelu_pytorch_tanh</c>: GELU with the tanh approximation (SigLIP).</summary>
    GeluTanh,
}

/// <summary>Parsing and application of <see cref="VisionActivation"/>.</summary>
public static class VisionActivations
{
    /// <summary>The config spellings accepted by <see cref="Parse"/>.</summary>
    public static IReadOnlyList<string> Names { get; } = ["quick_gelu", "gelu", "gelu_pytorch_tanh"];

    /// <summary>Maps a config's <c>hidden_act</c> / <c>projector_hidden_act</c> string to an activation.</summary>
    /// <param name="name">The config value.</param>
    /// <param name="source">What the value came from (file and field), for the error message.</param>
    /// <exception cref="InvalidDataException">The name is not one of <see cref="Names"/>.</exception>
    public static VisionActivation Parse(string name, string source) => name switch
    {
        "quick_gelu" => VisionActivation.QuickGelu,
        "gelu" => VisionActivation.Gelu,
        "gelu_pytorch_tanh" => VisionActivation.GeluTanh,
        _ => throw new InvalidDataException($"{source}: activation '{name}' is not supported (expected one of {string.Join(", ", Names)})"),
    };

    /// <summary>The config spelling of an activation.</summary>
    public static string ToConfigName(this VisionActivation activation) => activation switch
    {
        VisionActivation.QuickGelu => "quick_gelu",
        VisionActivation.Gelu => "gelu",
        VisionActivation.GeluTanh => "gelu_pytorch_tanh",
        _ => throw new ArgumentOutOfRangeException(nameof(activation), activation, "unknown activation"),
    };

    /// <summary>Applies the activation element-wise; returns a new tensor.</summary>
    public static Tensor Apply(this VisionActivation activation, Tensor input) => activation switch
    {
        VisionActivation.QuickGelu => QuickGelu(input),
        VisionActivation.Gelu => nn.functional.gelu(input),
        VisionActivation.GeluTanh => nn.functional.gelu(input, TorchSharp.Modules.GELU.Approximate.tanh),
        _ => throw new ArgumentOutOfRangeException(nameof(activation), activation, "unknown activation"),
    };

    // transformers QuickGELUActivation: x * sigmoid(1.702 * x), the same operations in the same order, with one new
    // tensor instead of three (fresh [N, I] buffers cost page faults that dominate this op on the CPU, in bfloat16 most).
    private static Tensor QuickGelu(Tensor input) => input.mul(1.702).sigmoid_().mul_(input);
}
