using TorchSharp.Modules;
using static TorchSharp.torch;

namespace VisionZip.Models.Language;

/// <summary>
/// The decoder stack without its output head (transformers <c>LlamaModel</c>): <c>embed_tokens</c>, <c>layers.N</c>,
/// the final <c>norm</c>, and the rotary tables shared by every layer.
/// </summary>
public sealed class LlamaModel : nn.Module
{
    private readonly ModuleList<LlamaDecoderLayer> _layers;
    private readonly LlamaRmsNorm _norm;
    private readonly LlamaRotaryEmbedding _rotaryEmb;

    internal LlamaModel(string name, DecoderConfig config, TokenEmbedding embedTokens,
        IEnumerable<LlamaDecoderLayer> layers, LlamaRmsNorm norm, Device device) : base(name)
    {
        Config = config;
        EmbedTokens = embedTokens;
        _layers = nn.ModuleList(layers.ToArray());
        _norm = norm;
        _rotaryEmb = new LlamaRotaryEmbedding("rotary_emb", config, device);
        register_module("embed_tokens", embedTokens);
        register_module("layers", _layers);
        register_module("norm", norm);
        register_module("rotary_emb", _rotaryEmb);
    }

    /// <summary>The configuration the stack was built from.</summary>
    public DecoderConfig Config { get; }

    /// <summary>The token embedding table.</summary>
    public TokenEmbedding EmbedTokens { get; }

    /// <summary>Runs the stack over new positions that follow the cached ones (positions continue from the cache length).</summary>
    /// <param name="inputsEmbeds">[B, T, hidden] in the model dtype and device.</param>
    /// <param name="cache">Receives every layer's keys and values; null runs the input on its own.</param>
    /// <returns>Normalised hidden states [B, T, hidden].</returns>
    public Tensor forward(Tensor inputsEmbeds, KvCache? cache)
    {
        using var scope = NewDisposeScope();
        long seqLen = inputsEmbeds.shape[1];
        long past = cache?.Length ?? 0;
        var (cos, sin) = _rotaryEmb.forward(past, seqLen, inputsEmbeds.dtype); // [T, head_dim] each
        var masks = new Dictionary<int, Tensor?>();
        var hiddenStates = inputsEmbeds;
        for (int layer = 0; layer < _layers.Count; layer++)
        {
            int? window = Config.SlidingWindowForLayer(layer);
            int key = window ?? -1;
            if (!masks.TryGetValue(key, out var mask))
            {
                mask = CausalMask.Build(seqLen, past, window, inputsEmbeds.device);
                masks[key] = mask;
            }

            hiddenStates = _layers[layer].forward(hiddenStates, cos, sin, mask, cache);
        }

        return _norm.call(hiddenStates).MoveToOuterDisposeScope();
    }
}
