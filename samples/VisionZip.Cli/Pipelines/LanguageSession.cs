using VisionZip.Cli.Infrastructure;
using VisionZip.Cli.Options;
using VisionZip.Models.Generation;
using VisionZip.Models.Language;
using VisionZip.Models.Tokenization;

namespace VisionZip.Cli.Pipelines;

/// <summary>
/// The language side of a checkpoint directory, loaded once: the decoder, the tokenizer and chat template when the
/// directory has them, and the checkpoint's generation defaults (end-of-sequence ids included).
/// </summary>
public sealed class LanguageSession : IDisposable
{
    private readonly LlamaForCausalLM _decoder;

    private LanguageSession(ModelDirectory model, LlamaForCausalLM decoder, ITextTokenizer? tokenizer, ChatTemplate? template, GenerationOptions defaults)
    {
        Model = model;
        _decoder = decoder;
        Tokenizer = tokenizer;
        Template = template;
        Defaults = defaults;
    }

    /// <summary>The checkpoint directory.</summary>
    public ModelDirectory Model { get; }

    /// <summary>The decoder generation runs on.</summary>
    public ICausalLanguageModel LanguageModel => _decoder;

    /// <summary>Vocabulary size of the decoder (rows of its embedding table).</summary>
    public int VocabSize => _decoder.Config.VocabSize;

    /// <summary>The tokenizer, or null when the directory has no tokenizer files.</summary>
    public ITextTokenizer? Tokenizer { get; }

    /// <summary>The chat template, or null without a tokenizer.</summary>
    public ChatTemplate? Template { get; }

    /// <summary>Generation defaults of the checkpoint (<c>generation_config.json</c> and the EOS ids).</summary>
    public GenerationOptions Defaults { get; }

    /// <summary>Short description, e.g. <c>llama decoder, 3 layers, hidden 64, vocab 384</c>.</summary>
    public string Describe() =>
        $"{_decoder.Config.ModelType} decoder, {_decoder.Config.NumHiddenLayers} layers, hidden {_decoder.Config.HiddenSize}, vocab {_decoder.Config.VocabSize}";

    /// <summary>Loads a bare llama / mistral / qwen2 directory.</summary>
    public static LanguageSession LoadDecoder(ModelDirectory model, ComputeSettings compute)
    {
        LlamaForCausalLM decoder = ModelErrors.Wrap(model, () => LlamaForCausalLM.Load(model.Path, compute.DType, compute.Device));
        try
        {
            ITextTokenizer? tokenizer = HasTokenizerFiles(model) ? ModelErrors.Wrap(model, () => TokenizerLoader.Load(model.Path)) : null;
            ChatTemplate? template = tokenizer is null ? null : ModelErrors.Wrap(model, () => ChatTemplate.FromCheckpoint(model.Path));
            GenerationOptions defaults = ReadDefaults(model, tokenizer?.EosIds ?? [], decoder.Config.EosTokenIds);
            return new LanguageSession(model, decoder, tokenizer, template, defaults);
        }
        catch
        {
            decoder.Dispose();
            throw;
        }
    }

    /// <summary>True when the directory holds a tokenizer this library reads.</summary>
    public static bool HasTokenizerFiles(ModelDirectory model) =>
        File.Exists(model.File("tokenizer.model")) || File.Exists(model.File("vocab.json"));

    /// <summary>
    /// The checkpoint's <c>generation_config.json</c> (when present) with every end-of-sequence id the tokenizer and
    /// the config know.
    /// </summary>
    public static GenerationOptions ReadDefaults(ModelDirectory model, IReadOnlyList<int> tokenizerEos, IReadOnlyList<int> configEos)
    {
        string path = model.File("generation_config.json");
        GenerationOptions defaults = File.Exists(path)
            ? ModelErrors.Wrap(model, () => GenerationOptions.FromGenerationConfig(path))
            : new GenerationOptions();
        return defaults with { EosTokenIds = [.. defaults.EosTokenIds.Concat(tokenizerEos).Concat(configEos).Distinct()] };
    }

    /// <summary>
    /// The prompt ids: <paramref name="inputIds"/> as given, else <paramref name="prompt"/> tokenized (wrapped by the
    /// chat template with <paramref name="imageCount"/> images unless <paramref name="raw"/>).
    /// </summary>
    public long[] PromptIds(string? prompt, bool raw, IReadOnlyList<long>? inputIds, int imageCount) =>
        BuildPromptIds(Model, Tokenizer, Template, VocabSize, prompt, raw, inputIds, imageCount);

    /// <summary>Shared by the decoder and LLaVA sessions: see <see cref="PromptIds"/>.</summary>
    public static long[] BuildPromptIds(ModelDirectory model, ITextTokenizer? tokenizer, ChatTemplate? template, int vocabSize,
        string? prompt, bool raw, IReadOnlyList<long>? inputIds, int imageCount)
    {
        long[] ids;
        if (inputIds is not null)
        {
            ids = [.. inputIds];
        }
        else
        {
            if (tokenizer is null)
            {
                throw new CliException($"--prompt: no tokenizer files in {model.Path} (tokenizer.model, or vocab.json + merges.txt); give --input-ids instead");
            }

            string text = raw ? prompt! : template!.RenderSingleTurn(prompt!, imageCount);
            ids = [.. tokenizer.Encode(text).Select(id => (long)id)];
        }

        if (ids.Length == 0)
        {
            throw new CliUsageException("--prompt: the prompt encodes to no tokens");
        }

        foreach (long id in ids)
        {
            if (id >= vocabSize)
            {
                throw new CliUsageException($"--input-ids: id {id} is outside the model's vocabulary (0..{vocabSize - 1})");
            }
        }

        return ids;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        (Tokenizer as IDisposable)?.Dispose();
        _decoder.Dispose();
    }
}
