using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace VisionZip.Models.Vision;

/// <summary>The stack of encoder layers, HF names <c>layers.0</c> ... <c>layers.{L-1}</c> (transformers <c>CLIPEncoder</c>).</summary>
public sealed class VisionEncoder : nn.Module
{
    [ComponentName(Name = "layers")]
    private readonly ModuleList<VisionEncoderLayer> _layers;
    private readonly VisionEncoderLayer[] _layerArray;

    internal VisionEncoder(WeightScope weights, VisionConfig config) : base(nameof(VisionEncoder))
    {
        var layers = weights["layers"];
        _layerArray = Enumerable.Range(0, config.NumHiddenLayers)
            .Select(i => new VisionEncoderLayer(layers[i.ToString(System.Globalization.CultureInfo.InvariantCulture)], config))
            .ToArray();
        _layers = nn.ModuleList(_layerArray);
        RegisterComponents();
    }

    /// <summary>The layers in order.</summary>
    public IReadOnlyList<VisionEncoderLayer> Layers => _layerArray;
}
