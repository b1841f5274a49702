using TorchSharp;
using VisionZip.Models.Checkpoints;
using VisionZip.Models.IO;
using VisionZip.Models.Language.MatVec;
using VisionZip.Models.Llava;
using static TorchSharp.torch;

namespace VisionZip.Models.Language;

/// <summary>
/// A LLaMA-family causal language model (transformers <c>LlamaForCausalLM</c>, <c>MistralForCausalLM</c>,
/// <c>Qwen2ForCausalLM</c>): <see cref="LlamaModel"/> plus <c>lm_head</c>, or the embedding matrix when the config
/// ties them. Parameter names follow Hugging Face (<c>model.layers.N.self_attn.q_proj.weight</c>, <c>lm_head.weight</c>).
/// </summary>
/// <remarks>
/// Inference only: parameters are frozen and every forward runs under no_grad. A forward is synchronous and uses
/// thread-local dispose scopes, so never await inside one; concurrent forwards on one instance are safe only
/// with separate caches. Dispose to free the weights.
/// </remarks>
public sealed class LlamaForCausalLM : nn.Module, ICausalLanguageModel
{
    private readonly nn.Module<Tensor, Tensor>? _lmHead; // [vocab, hidden]; null when tied

    private LlamaForCausalLM(DecoderConfig config, LlamaModel model, nn.Module<Tensor, Tensor>? lmHead, ScalarType dtype,
        Device device, WeightQuantization quantization)
        : base(nameof(LlamaForCausalLM))
    {
        Config = config;
        Model = model;
        _lmHead = lmHead;
        DType = dtype;
        Device = device;
        Quantization = quantization;
        register_module("model", model);
        if (lmHead is not null)
        {
            register_module("lm_head", lmHead);
        }
    }

    /// <summary>The configuration.</summary>
    public DecoderConfig Config { get; }

    /// <summary>The decoder stack (<c>model.*</c>).</summary>
    public LlamaModel Model { get; }

    /// <summary>Dtype of the weights and activations.</summary>
    public ScalarType DType { get; }

    /// <summary>Device of the weights.</summary>
    public Device Device { get; }

    /// <summary>How the projections store their weights (<see cref="WeightQuantization.None"/> unless loaded as int8).</summary>
    public WeightQuantization Quantization { get; }

    /// <inheritdoc />
    public int ContextLength => Config.MaxPositionEmbeddings;

    /// <summary>
    /// Loads a bare llama / mistral / qwen2 checkpoint directory: <c>config.json</c> plus <c>model.safetensors</c>
    /// or shards, tensors <c>model.*</c> and <c>lm_head.weight</c> (absent when tied).
    /// </summary>
    /// <param name="directory">The checkpoint directory.</param>
    /// <param name="dtype">Float32 (the CPU default), Float16 or BFloat16; stored weights are converted.</param>
    /// <param name="device">Target device; null = CPU.</param>
    /// <exception cref="FileNotFoundException">No config.json or no weights.</exception>
    /// <exception cref="InvalidDataException">Malformed config, or weights missing or mis-shaped (all listed in one message).</exception>
    /// <exception cref="NotSupportedException">A model type, activation or rope type that is not implemented.</exception>
    public static LlamaForCausalLM Load(string directory, ScalarType dtype = ScalarType.Float32, Device? device = null) =>
        Load(directory, dtype, device, WeightQuantization.None);

    /// <summary>
    /// Loads a bare llama / mistral / qwen2 checkpoint directory as
    /// <see cref="Load(string, ScalarType, Device?)"/> does, storing the projections as <paramref name="quantization"/> says.
    /// </summary>
    /// <param name="directory">The checkpoint directory.</param>
    /// <param name="dtype">Activation dtype (and weight dtype when not quantised): Float32, Float16 or BFloat16.</param>
    /// <param name="device">Target device; null = CPU.</param>
    /// <param name="quantization"><see cref="WeightQuantization.Int8"/> quantises every projection as it is read.</param>
    /// <exception cref="FileNotFoundException">No config.json or no weights.</exception>
    /// <exception cref="InvalidDataException">Malformed config, or weights missing or mis-shaped (all listed in one message).</exception>
    /// <exception cref="NotSupportedException">A model type, activation or rope type that is not implemented.</exception>
    public static LlamaForCausalLM Load(string directory, ScalarType dtype, Device? device, WeightQuantization quantization)
    {
        ArgumentNullException.ThrowIfNull(directory);
        using var checkpointDirectory = CheckpointDirectory.OpenForLoader(directory, "decoder");
        return Load(checkpointDirectory, dtype, device, quantization);
    }

    /// <summary>
    /// Loads the language model of an opened checkpoint directory: a bare llama / mistral / qwen2 checkpoint
    /// (<c>model.*</c>, <c>lm_head.weight</c>) or the decoder inside a LLaVA one (<c>text_config</c> with the LLaVA
    /// defaults, either tensor spelling); config and weights are shared with the other part loaders.
    /// </summary>
    /// <param name="directory">The opened checkpoint directory.</param>
    /// <param name="dtype">Float32 (the CPU default), Float16 or BFloat16; stored weights are converted.</param>
    /// <param name="device">Target device; null = CPU.</param>
    /// <param name="quantization"><see cref="WeightQuantization.Int8"/> quantises every projection as it is read.</param>
    /// <exception cref="FileNotFoundException">No config.json or no weights.</exception>
    /// <exception cref="InvalidDataException">Malformed config, a kind without a language model (CLIP / SigLIP), or weights
    /// missing or mis-shaped (all listed in one message).</exception>
    /// <exception cref="NotSupportedException">A model type, activation or rope type that is not implemented.</exception>
    public static LlamaForCausalLM Load(CheckpointDirectory directory, ScalarType dtype = ScalarType.Float32, Device? device = null,
        WeightQuantization quantization = WeightQuantization.None)
    {
        ArgumentNullException.ThrowIfNull(directory);
        const string ConfigFile = CheckpointDirectory.ConfigFile;
        switch (directory.Kind)
        {
            case CheckpointKind.Decoder:
                var config = DecoderConfig.FromJson(directory.RequireJson(ConfigFile, "decoder config"), directory.FilePath(ConfigFile));
                return Load(directory.Weights, config, "model.", "lm_head.weight", dtype, device, quantization);
            case CheckpointKind.Llava15 or CheckpointKind.LlavaInterleave or CheckpointKind.LlavaNext:
                var llava = LlavaConfig.Load(directory);
                var checkpoint = directory.Weights;
                var names = LlavaTensorNames.Detect(checkpoint.Names, checkpoint.Source);
                if (!llava.TieWordEmbeddings && names.LmHead is null)
                {
                    string expected = names.LanguageModel == LlavaTensorNames.Original.LanguageModel
                        ? LlavaTensorNames.Original.LmHead!
                        : LlavaTensorNames.Nested.LmHead!;
                    throw new InvalidDataException($"{checkpoint.Source}: tie_word_embeddings is false but the LM head '{expected}' is missing");
                }

                return Load(checkpoint, llava.ResolveTextConfig(), names.LanguageModel, names.LmHead ?? LlavaTensorNames.Original.LmHead!,
                    dtype, device, quantization);
            default:
                throw new InvalidDataException(
                    $"{directory.FilePath(ConfigFile)}: a {directory.Kind} checkpoint has no language model (expected llama, mistral, qwen2, llava or llava_next)");
        }
    }

    /// <summary>
    /// Loads the decoder from an open checkpoint whose tensors carry a prefix, e.g. a llava checkpoint:
    /// (<c>language_model.model.</c>, <c>language_model.lm_head.weight</c>) or (<c>model.language_model.</c>, <c>lm_head.weight</c>).
    /// </summary>
    /// <param name="checkpoint">The open checkpoint; tensors are copied out, so it may be disposed afterwards.</param>
    /// <param name="config">The decoder config (e.g. from a llava <c>text_config</c>).</param>
    /// <param name="modelPrefix">Prefix of <c>embed_tokens</c>, <c>layers</c> and <c>norm</c>, ending with a dot.</param>
    /// <param name="lmHeadName">Full name of the output head tensor; ignored when the config ties embeddings.</param>
    /// <param name="dtype">Float32, Float16 or BFloat16.</param>
    /// <param name="device">Target device; null = CPU.</param>
    /// <exception cref="InvalidDataException">Weights missing or mis-shaped, all listed in one message naming the checkpoint.</exception>
    public static LlamaForCausalLM Load(SafetensorsCheckpoint checkpoint, DecoderConfig config, string modelPrefix,
        string lmHeadName, ScalarType dtype = ScalarType.Float32, Device? device = null) =>
        Load(checkpoint, config, modelPrefix, lmHeadName, dtype, device, WeightQuantization.None);

    /// <summary>
    /// Loads the decoder from an open checkpoint as
    /// <see cref="Load(SafetensorsCheckpoint, DecoderConfig, string, string, ScalarType, Device?)"/> does, storing the
    /// projections as <paramref name="quantization"/> says (int8 is quantised tensor by tensor as it is read, so the
    /// dense copy of only one weight exists at a time).
    /// </summary>
    /// <param name="checkpoint">The open checkpoint; tensors are copied out, so it may be disposed afterwards.</param>
    /// <param name="config">The decoder config (e.g. from a llava <c>text_config</c>).</param>
    /// <param name="modelPrefix">Prefix of <c>embed_tokens</c>, <c>layers</c> and <c>norm</c>, ending with a dot.</param>
    /// <param name="lmHeadName">Full name of the output head tensor; ignored when the config ties embeddings.</param>
    /// <param name="dtype">Activation dtype (and weight dtype when not quantised): Float32, Float16 or BFloat16.</param>
    /// <param name="device">Target device; null = CPU.</param>
    /// <param name="quantization">Dense weights, or weight-only int8 for the projections (a tied head stays dense).</param>
    /// <exception cref="InvalidDataException">Weights missing or mis-shaped, all listed in one message naming the checkpoint.</exception>
    public static LlamaForCausalLM Load(SafetensorsCheckpoint checkpoint, DecoderConfig config, string modelPrefix,
        string lmHeadName, ScalarType dtype, Device? device, WeightQuantization quantization)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(modelPrefix);
        if (dtype is not (ScalarType.Float32 or ScalarType.Float16 or ScalarType.BFloat16))
        {
            throw new ArgumentException($"dtype must be Float32, Float16 or BFloat16, got {dtype}", nameof(dtype));
        }

        if (!Enum.IsDefined(quantization))
        {
            throw new ArgumentOutOfRangeException(nameof(quantization), quantization, "unknown weight quantization");
        }

        device ??= CPU;
        var expected = DecoderWeights.Expected(config, modelPrefix, lmHeadName);
        DecoderWeights.Validate(checkpoint, expected, modelPrefix);
        var weights = new DecoderWeights(checkpoint, dtype, device, quantization);

        var modules = new List<nn.Module>();
        try
        {
            var embedTokens = Track(modules, new TokenEmbedding("embed_tokens", weights.Parameter($"{modelPrefix}embed_tokens.weight")));
            var layers = new List<LlamaDecoderLayer>();
            for (int layer = 0; layer < config.NumHiddenLayers; layer++)
            {
                layers.Add(Track(modules, LoadLayer(weights, config, $"{modelPrefix}layers.{layer}.", layer)));
            }

            var norm = Track(modules, new LlamaRmsNorm("norm", weights.Parameter($"{modelPrefix}norm.weight"), config.RmsNormEps));
            var lmHead = config.TieWordEmbeddings
                ? null
                : Track(modules, weights.Projection("lm_head", lmHeadName, biasName: null));
            var model = new LlamaModel("model", config, embedTokens, layers, norm, device);
            return new LlamaForCausalLM(config, model, lmHead, dtype, device, quantization);
        }
        catch
        {
            modules.ForEach(DisposeModule);
            throw;
        }
    }

    /// <summary>
    /// The tensor names and shapes the decoder reads from a checkpoint with these prefixes (what
    /// <see cref="Load(SafetensorsCheckpoint, DecoderConfig, string, string, ScalarType, Device?)"/> validates).
    /// </summary>
    public static IReadOnlyDictionary<string, long[]> ExpectedWeights(DecoderConfig config, string modelPrefix = "model.",
        string lmHeadName = "lm_head.weight")
    {
        ArgumentNullException.ThrowIfNull(config);
        return DecoderWeights.Expected(config, modelPrefix, lmHeadName);
    }

    /// <inheritdoc />
    public KvCache CreateCache(int initialCapacity = 0) => new(Config.NumHiddenLayers, initialCapacity);

    /// <summary>Embeds token ids (what a multimodal pipeline merges image features into).</summary>
    /// <param name="inputIds">[B, T] int64 (int32 accepted), ids below the vocabulary size.</param>
    /// <returns>[B, T, hidden] in <see cref="DType"/> on <see cref="Device"/>.</returns>
    /// <exception cref="ArgumentException">Wrong rank or dtype, or an id out of range.</exception>
    public Tensor EmbedTokens(Tensor inputIds)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var ids = CheckIds(inputIds);
        return Model.EmbedTokens.call(ids).MoveToOuterDisposeScope();
    }

    /// <summary>Runs token ids after the cached positions (positions continue from the cache length).</summary>
    /// <param name="inputIds">[B, T] int64 (int32 accepted).</param>
    /// <param name="cache">Receives the new keys and values; null runs the ids on their own.</param>
    /// <param name="logits">Last position only (default) or every position.</param>
    /// <returns>float32 logits [B, vocab] or [B, T, vocab] on <see cref="Device"/>.</returns>
    /// <exception cref="ArgumentException">Bad ids, or cached plus new positions exceed <see cref="ContextLength"/>.</exception>
    public Tensor Forward(Tensor inputIds, KvCache? cache = null, LogitsSelection logits = LogitsSelection.LastPosition)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var embeddings = Model.EmbedTokens.call(CheckIds(inputIds));
        return Run(embeddings, cache, logits).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// One greedy decode step of a single sequence: runs <paramref name="token"/> after the cached positions and returns
    /// the id with the highest logit (the first on ties, as <c>argmax</c>). The cache grows by one position.
    /// </summary>
    /// <param name="token">The last generated (or prompt) token id.</param>
    /// <param name="cache">The sequence's KV cache, batch 1.</param>
    /// <returns>The next token id.</returns>
    /// <exception cref="ArgumentException">A bad id, or the cache is already at <see cref="ContextLength"/>.</exception>
    public long NextGreedyToken(long token, KvCache cache)
    {
        ArgumentNullException.ThrowIfNull(cache);
        using var scope = NewDisposeScope();
        using var ids = tensor(new[] { token }, device: Device).view(1, 1);
        return Forward(ids, cache).argmax(-1).item<long>();
    }

    /// <summary>Runs input embeddings after the cached positions (positions continue from the cache length).</summary>
    /// <param name="inputsEmbeds">[B, T, hidden]; converted to <see cref="DType"/> and moved to <see cref="Device"/>.</param>
    /// <param name="cache">Receives the new keys and values; null runs the input on its own.</param>
    /// <param name="logits">Last position only (default) or every position.</param>
    /// <returns>float32 logits [B, vocab] or [B, T, vocab] on <see cref="Device"/>.</returns>
    /// <exception cref="ArgumentException">Wrong shape, or cached plus new positions exceed <see cref="ContextLength"/>.</exception>
    public Tensor ForwardEmbeddings(Tensor inputsEmbeds, KvCache? cache = null, LogitsSelection logits = LogitsSelection.LastPosition)
    {
        ArgumentNullException.ThrowIfNull(inputsEmbeds);
        if (inputsEmbeds.dim() != 3 || inputsEmbeds.shape[2] != Config.HiddenSize || inputsEmbeds.shape[1] == 0)
        {
            throw new ArgumentException(
                $"inputsEmbeds must be [B, T >= 1, {Config.HiddenSize}], got [{string.Join(", ", inputsEmbeds.shape)}]", nameof(inputsEmbeds));
        }

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var embeddings = inputsEmbeds.to(DType, Device);
        return Run(embeddings, cache, logits).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Every position's logits for input embeddings WITH autograd (no <c>no_grad</c>, no cache), so gradients reach
    /// whatever produced <paramref name="inputsEmbeds"/>; the weights stay frozen (they never require gradients). For
    /// training a module in front of the language model (projector tuning).
    /// </summary>
    /// <param name="inputsEmbeds">[B, T, hidden] in <see cref="DType"/> on <see cref="Device"/>.</param>
    /// <returns>float32 logits [B, T, vocab].</returns>
    internal Tensor ForwardForTraining(Tensor inputsEmbeds)
    {
        using var scope = NewDisposeScope();
        return Run(inputsEmbeds.to(DType, Device), null, LogitsSelection.AllPositions).MoveToOuterDisposeScope();
    }

    private Tensor Run(Tensor embeddings, KvCache? cache, LogitsSelection selection)
    {
        long seqLen = embeddings.shape[1];
        long past = cache?.Length ?? 0;
        if (past + seqLen > ContextLength)
        {
            throw new ArgumentException(
                $"{seqLen} new positions after {past} cached exceed the context length {ContextLength} (max_position_embeddings)");
        }

        if (cache?.BatchSize is long cachedBatch && cachedBatch != embeddings.shape[0])
        {
            throw new ArgumentException($"batch {embeddings.shape[0]} does not match the cache's batch {cachedBatch}", nameof(cache));
        }

        var hiddenStates = Model.forward(embeddings, cache); // [B, T, hidden]
        if (selection == LogitsSelection.LastPosition)
        {
            hiddenStates = hiddenStates.select(1, seqLen - 1); // [B, hidden]
        }

        var logits = _lmHead is not null
            ? _lmHead.call(hiddenStates)
            : SingleTokenLinear.TryDense(hiddenStates, Model.EmbedTokens.Weight, null, out var tied)
                ? tied
                : nn.functional.linear(hiddenStates, Model.EmbedTokens.Weight);
        return logits.to(ScalarType.Float32);
    }

    private Tensor CheckIds(Tensor inputIds)
    {
        ArgumentNullException.ThrowIfNull(inputIds);
        if (inputIds.dim() != 2 || inputIds.shape[1] == 0 || inputIds.dtype is not (ScalarType.Int64 or ScalarType.Int32))
        {
            throw new ArgumentException(
                $"inputIds must be [B, T >= 1] int64, got [{string.Join(", ", inputIds.shape)}] {inputIds.dtype}", nameof(inputIds));
        }

        var ids = inputIds.to(ScalarType.Int64, Device);
        long min = ids.min().item<long>();
        long max = ids.max().item<long>();
        if (min < 0 || max >= Config.VocabSize)
        {
            throw new ArgumentException($"inputIds must lie in [0, {Config.VocabSize}), got ids from {min} to {max}", nameof(inputIds));
        }

        return ids;
    }

    private static LlamaDecoderLayer LoadLayer(DecoderWeights weights, DecoderConfig config, string prefix, int layer)
    {
        var attention = new LlamaAttention("self_attn", config, layer,
            weights.Linear("q_proj", $"{prefix}self_attn.q_proj", config.QkvBias),
            weights.Linear("k_proj", $"{prefix}self_attn.k_proj", config.QkvBias),
            weights.Linear("v_proj", $"{prefix}self_attn.v_proj", config.QkvBias),
            weights.Linear("o_proj", $"{prefix}self_attn.o_proj", config.OutputBias));
        var mlp = new LlamaMlp("mlp",
            weights.Linear("gate_proj", $"{prefix}mlp.gate_proj", config.MlpBias),
            weights.Linear("up_proj", $"{prefix}mlp.up_proj", config.MlpBias),
            weights.Linear("down_proj", $"{prefix}mlp.down_proj", config.MlpBias));
        return new LlamaDecoderLayer($"layers.{layer}", attention, mlp,
            new LlamaRmsNorm("input_layernorm", weights.Parameter($"{prefix}input_layernorm.weight"), config.RmsNormEps),
            new LlamaRmsNorm("post_attention_layernorm", weights.Parameter($"{prefix}post_attention_layernorm.weight"), config.RmsNormEps));
    }

    private static T Track<T>(List<nn.Module> modules, T module) where T : nn.Module
    {
        modules.Add(module);
        return module;
    }

    private static void DisposeModule(nn.Module module)
    {
        foreach (var parameter in module.parameters())
        {
            parameter.Dispose();
        }

        foreach (var buffer in module.buffers())
        {
            buffer.Dispose();
        }

        module.Dispose();
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            foreach (var parameter in parameters())
            {
                parameter.Dispose();
            }

            foreach (var buffer in buffers())
            {
                buffer.Dispose();
            }
        }

        base.Dispose(disposing);
    }
}
