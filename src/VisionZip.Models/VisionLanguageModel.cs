using TorchSharp;
using System.Runtime.CompilerServices;
using VisionZip.Models.IO;
using VisionZip.Models.Checkpoints;
using VisionZip.Models.Errors;
using VisionZip.Models.Generation;
using VisionZip.Models.Imaging;
using VisionZip.Models.Language;
using VisionZip.Models.Tokenization;
using VisionZip.Models.Llava;
using VisionZip.Models.Vision;
using static TorchSharp.torch;

namespace VisionZip.Models;

/// <summary>
/// The one entry point for every supported checkpoint: loads a Hugging Face directory, detects its kind from
/// <c>config.json</c> (<see cref="CheckpointKinds.Detect"/>) and offers what that kind can do. LLaVA (1.5, Interleave,
/// NeXT): image -> tiles -> vision tower to the feature layer -> reducer (VisionZip, pooling, ...) -> projector -> prompt
/// embeddings -> LLaMA/Mistral/Qwen2 decoder (encode, prompts, generate, stream, chat). A CLIP or SigLIP encoder: encode.
/// A bare decoder: prompts and generate.
/// </summary>
/// <remarks>
/// <para>Vanilla images feed <c>projector(hidden_states[vision_feature_layer])</c> with the config's strategy ('default'
/// drops CLS, 'full' keeps every token). Reduced images feed <c>projector(reducer(feature layer))</c>, the reducer seeing
/// CLS among its tokens when the tower has one, as the official VisionZip feeds LLaVA-1.5.</para>
/// <para>A part the kind lacks (the language model of an encoder, the tower of a decoder) throws
/// <see cref="InvalidOperationException"/> naming the kind; <see cref="HasVision"/> and <see cref="HasLanguageModel"/> tell.</para>
/// <para>Owns every part; dispose it once. Encoding and prefill are synchronous and use thread-local dispose scopes;
/// several threads may encode or prefill at once as long as each uses its own <see cref="KvCache"/>.</para>
/// </remarks>
public sealed class VisionLanguageModel : IDisposable
{
    private readonly LlavaConfig? _config;
    private readonly LlavaTensorNames? _tensorNames;
    private readonly VisionTower? _visionTower;
    private readonly LlavaMultiModalProjector? _projector;
    private readonly LlamaForCausalLM? _languageModel;
    private readonly ITextTokenizer? _tokenizer;
    private readonly ImageProcessor? _imageProcessor;
    private readonly ChatTemplate? _chatTemplate;
    private readonly IImageLayout? _imageLayout;
    private readonly TextGenerator? _generator;
    private readonly TileEncoder? _tiles;
    private bool _disposed;

    private VisionLanguageModel(string directory, CheckpointKind kind, LoadedParts parts)
    {
        Directory = directory;
        Kind = kind;
        _config = parts.Config;
        _tensorNames = parts.TensorNames;
        _visionTower = parts.VisionTower;
        _projector = parts.Projector;
        _languageModel = parts.LanguageModel;
        _tokenizer = parts.Tokenizer;
        _imageProcessor = parts.ImageProcessor;
        _chatTemplate = parts.ChatTemplate;
        _imageLayout = parts.ImageLayout;
        _tiles = parts.Tiles;
        DefaultGenerationOptions = parts.Generation ?? new GenerationOptions();
        if (_languageModel is { } model)
        {
            var tokenizer = _tokenizer;
            _generator = new TextGenerator(model, tokenizer is null ? null : ids => tokenizer.Decode(ids, skipSpecialTokens: true));
        }
    }

    /// <summary>The checkpoint directory.</summary>
    public string Directory { get; }

    /// <summary>What the checkpoint is (and so what this model can do).</summary>
    public CheckpointKind Kind { get; }

    /// <summary>True when the checkpoint has a vision tower (encoders and LLaVA).</summary>
    public bool HasVision => _visionTower is not null;

    /// <summary>True when the checkpoint has a language model (decoders and LLaVA).</summary>
    public bool HasLanguageModel => _languageModel is not null;

    /// <summary>True when the checkpoint has tokenizer files (a bare decoder may have none: give token ids).</summary>
    public bool HasTokenizer => _tokenizer is not null;

    /// <summary>The LLaVA configuration (LLaVA kinds).</summary>
    public LlavaConfig Config => _config ?? throw Missing("a LLaVA config");

    /// <summary>Which tensor-name spelling the LLaVA checkpoint uses (LLaVA kinds).</summary>
    public LlavaTensorNames TensorNames => _tensorNames ?? throw Missing("LLaVA tensor names");

    /// <summary>The vision tower (runs only up to the feature layer).</summary>
    public VisionTower VisionTower => _visionTower ?? throw Missing("a vision tower");

    /// <summary>The multi-modal projector (<c>linear_1 → act → linear_2</c>) of a LLaVA checkpoint.</summary>
    public LlavaMultiModalProjector Projector => _projector ?? throw Missing("a multi-modal projector");

    /// <summary>The language model.</summary>
    public LlamaForCausalLM LanguageModel => _languageModel ?? throw Missing("a language model");

    /// <summary>The text tokenizer.</summary>
    public ITextTokenizer Tokenizer => _tokenizer ?? throw Missing("tokenizer files (tokenizer.model, or vocab.json + merges.txt)");

    /// <summary>The image processor (<c>preprocessor_config.json</c>) of the single-tile processor or the anyres tiles.</summary>
    public ImageProcessor ImageProcessor => _imageProcessor ?? throw Missing("an image processor");

    /// <summary>The conversation format of the checkpoint (its chat template, or the family's when it has none).</summary>
    public ChatTemplate ChatTemplate => _chatTemplate ?? throw Missing("a tokenizer, so no chat template");

    /// <summary>
    /// Generation defaults: greedy, the checkpoint's <c>generation_config.json</c> when present, and every
    /// end-of-sequence id of the tokenizer and the configs. Derive others with <c>with { ... }</c>.
    /// </summary>
    public GenerationOptions DefaultGenerationOptions { get; }

    /// <summary>
    /// How photos become tiles and prompt rows, chosen at load from the kind: <c>single-tile</c> (CLIP, SigLIP, LLaVA-1.5,
    /// LLaVA-Interleave) or <c>anyres</c> (LLaVA-NeXT). Every encode goes through it.
    /// </summary>
    public IImageLayout ImageLayout => _imageLayout ?? throw Missing("a vision tower, so no image layout");

    /// <summary>The generator over <see cref="LanguageModel"/> (stop strings decode through <see cref="Tokenizer"/>).</summary>
    public TextGenerator Generator => _generator ?? throw Missing("a language model");

    /// <summary>Element type of every weight and activation.</summary>
    public ScalarType DType => _languageModel?.DType ?? VisionTower.DType;

    /// <summary>Device of every weight.</summary>
    public Device Device => _languageModel?.Device ?? VisionTower.Device;

    /// <summary>Visual tokens per tile without reduction (576 for LLaVA-1.5, 729 for LLaVA-Interleave).</summary>
    public int VanillaTokenCount => VisionTower.VanillaTokenCount;

    /// <summary>The paper's VisionZip budget for this kind, per tile (LLaVA-NeXT 27+5, others 54+10).</summary>
    public ZipBudget DefaultBudget => Kind.DefaultBudget();

    /// <summary>
    /// Loads any supported checkpoint directory: a CLIP/SigLIP encoder (config, weights, <c>preprocessor_config.json</c>), a
    /// bare llama/mistral/qwen2 decoder (tokenizer files optional), or a llava-hf LLaVA (weights in one file or shards,
    /// either tensor-name spelling, tokenizer, processor, chat template if any).
    /// </summary>
    /// <param name="directory">The checkpoint directory.</param>
    /// <param name="dtype">Float32 (CPU default), Float16 or BFloat16, for every part.</param>
    /// <param name="device">Target device; null = CPU.</param>
    /// <exception cref="DirectoryNotFoundException">No such directory.</exception>
    /// <exception cref="FileNotFoundException">A required file is missing.</exception>
    /// <exception cref="CheckpointException">An unsupported <c>model_type</c>, a malformed file, missing or mis-shaped weights, or parts that disagree.</exception>
    /// <exception cref="InvalidDataException">A malformed file (readers not yet on the library's exception hierarchy).</exception>
    /// <param name="parts">What to load: everything (default), or only the vision side of a LLaVA (tower, projector, layout:
    /// for tools that only encode, without the language model's memory).</param>
    /// <param name="quantization">How the language model stores its projection weights: as loaded (default), or weight-only
    /// int8 with one scale per output channel (about half the bytes of bf16 per decode step; see docs/benchmarks-decode.md).</param>
    public static VisionLanguageModel Load(string directory, ScalarType dtype = ScalarType.Float32, Device? device = null,
        ModelParts parts = ModelParts.All, WeightQuantization quantization = WeightQuantization.None)
    {
        ArgumentNullException.ThrowIfNull(directory);
        using var files = CheckpointDirectory.Open(directory);
        return Load(files, dtype, device, parts, quantization);
    }

    /// <summary>
    /// Loads from an opened <see cref="CheckpointDirectory"/> in one pass: every file of the directory is read (and every
    /// JSON file parsed) at most once and the weights are opened once (<see cref="CheckpointDirectory.FileReads"/> shows it).
    /// The directory stays the caller's; the model copies what it needs and does not keep it open.
    /// </summary>
    /// <param name="files">The opened directory.</param>
    /// <param name="dtype">Float32 (CPU default), Float16 or BFloat16, for every part.</param>
    /// <param name="device">Target device; null = CPU.</param>
    /// <param name="parts">Everything, or only the vision side of a LLaVA.</param>
    /// <exception cref="CheckpointException">An unsupported <c>model_type</c>, a malformed file, missing or mis-shaped weights, or parts that disagree.</exception>
    /// <exception cref="InvalidDataException">A malformed file.</exception>
    /// <param name="quantization">As loaded (default), or weight-only int8 projections in the language model.</param>
    public static VisionLanguageModel Load(CheckpointDirectory files, ScalarType dtype = ScalarType.Float32, Device? device = null,
        ModelParts parts = ModelParts.All, WeightQuantization quantization = WeightQuantization.None)
    {
        ArgumentNullException.ThrowIfNull(files);
        var kind = files.Kind;
        var owned = new List<IDisposable>();
        try
        {
            var loaded = kind switch
            {
                CheckpointKind.ClipVision or CheckpointKind.SiglipVision => LoadEncoder(files, dtype, device, owned),
                CheckpointKind.Decoder => LoadDecoder(files, dtype, device, quantization, owned),
                _ => LoadLlava(files, dtype, device, quantization, owned, withLanguage: parts != ModelParts.Vision),
            };
            return new VisionLanguageModel(files.Path, kind, loaded);
        }
        catch
        {
            for (int i = owned.Count - 1; i >= 0; i--)
            {
                owned[i].Dispose();
            }

            throw;
        }
    }

    /// <summary>
    /// Uses a projector tuned by <c>visionzip tune</c> (VisionZip‡) for the images encoded with the reducer and budget it was
    /// tuned for; others keep the checkpoint's projector. Several adapters (one per budget) may be added. Call it before
    /// encoding, not concurrently with it.
    /// </summary>
    /// <param name="path">The adapter file.</param>
    /// <exception cref="InvalidOperationException">The checkpoint has no projector (not a LLaVA).</exception>
    /// <exception cref="InvalidDataException">Not an adapter, tuned on another checkpoint (fingerprint), or tensors that do not fit.</exception>
    public void AddProjectorAdapter(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var projector = Projector;
        using var adapter = Tuning.ProjectorAdapter.Read(path);
        var tuned = LlavaMultiModalProjector.CreateRandom(projector.InputSize, projector.OutputSize, projector.Activation, projector.DType, projector.Device);
        try
        {
            adapter.ApplyTo(tuned, Directory, path);
        }
        catch
        {
            tuned.Dispose();
            throw;
        }

        // Pooling uses only the total, so its key is total+0 (as the encode path looks it up).
        var budget = adapter.Reducer == VisualTokenReducers.Pool ? new ZipBudget(adapter.Budget.Total, 0) : adapter.Budget;
        _tiles!.AddTunedProjector(adapter.Reducer, budget, tuned);
    }

    /// <summary>The projector adapters in use, as (reducer, budget) pairs.</summary>
    public IReadOnlyList<(string Reducer, ZipBudget Budget)> ProjectorAdapters => [.. _tiles?.TunedProjectors.Keys ?? []];

    /// <summary>A new KV cache for <see cref="LanguageModel"/>.</summary>
    public KvCache CreateCache() => LanguageModel.CreateCache();

    private static LoadedParts LoadEncoder(CheckpointDirectory files, ScalarType dtype, Device? device, List<IDisposable> owned)
    {
        var tower = Owned(owned, VisionTower.Load(files, dtype, device));
        var processor = ImageProcessor.Load(files);
        processor.RequireOutputSize(tower.Config.ImageSize, files.Path);
        var tiles = new TileEncoder(tower, null, tower.DType, tower.Device);
        return new LoadedParts { VisionTower = tower, ImageProcessor = processor, ImageLayout = new SingleTileLayout(processor, tiles), Tiles = tiles };
    }

    private static LoadedParts LoadDecoder(CheckpointDirectory files, ScalarType dtype, Device? device, WeightQuantization quantization,
        List<IDisposable> owned)
    {
        var model = Owned(owned, LlamaForCausalLM.Load(files, dtype, device, quantization));
        bool hasTokenizer = TokenizerLoader.HasTokenizerFiles(files);
        ITextTokenizer? tokenizer = hasTokenizer ? TokenizerLoader.Load(files) : null;
        if (tokenizer is IDisposable disposable)
        {
            owned.Add(disposable);
        }

        var template = tokenizer is null ? null : ChatTemplate.FromCheckpoint(files);
        var generation = GenerationDefaults(files, [.. tokenizer?.EosIds ?? [], .. model.Config.EosTokenIds]);
        return new LoadedParts { LanguageModel = model, Tokenizer = tokenizer, ChatTemplate = template, Generation = generation };
    }

    private static LoadedParts LoadLlava(CheckpointDirectory files, ScalarType dtype, Device? device, WeightQuantization quantization,
        List<IDisposable> owned, bool withLanguage)
    {
        var config = LlavaConfig.Load(files);
        var names = LlavaTensorNames.Detect(files.Weights.Names, files.Weights.Source);
        LlamaForCausalLM? languageModel = withLanguage ? Owned(owned, LlamaForCausalLM.Load(files, dtype, device, quantization)) : null;
        var visionTower = Owned(owned, VisionTower.Load(files, dtype, device));
        var projector = Owned(owned, LlavaMultiModalProjector.Load(files, dtype, device));
        CheckWidths(config, visionTower, projector, languageModel?.Config.HiddenSize ?? config.ResolveTextConfig().HiddenSize);

        // A LLaVA without tokenizer files (e.g. a synthetic benchmark checkpoint) takes prompts as token ids, as a bare decoder does.
        ITextTokenizer? tokenizer = null;
        if (withLanguage && TokenizerLoader.HasTokenizerFiles(files))
        {
            tokenizer = TokenizerLoader.Load(files);
            if (tokenizer is IDisposable disposableTokenizer)
            {
                owned.Add(disposableTokenizer);
            }

            if (tokenizer.ImageTokenId is { } imageId && imageId != config.ImageTokenIndex)
            {
                throw new InvalidDataException(
                    $"{config.Source}: image_token_index is {config.ImageTokenIndex} but the tokenizer maps '{tokenizer.ImageToken}' to {imageId}");
            }
        }

        var imageProcessor = ImageProcessor.Load(files);
        imageProcessor.RequireOutputSize(visionTower.Config.ImageSize, files.Path); // before any image is preprocessed
        var chatTemplate = tokenizer is null ? null : ChatTemplate.FromCheckpoint(files);
        var generation = tokenizer is not null ? GenerationDefaults(files, tokenizer.EosIds)
            : languageModel is not null ? GenerationDefaults(files, languageModel.Config.EosTokenIds)
            : null;

        // The image layout is the one decision between the LLaVA families.
        var tiles = new TileEncoder(visionTower, projector, languageModel?.DType ?? visionTower.DType, languageModel?.Device ?? visionTower.Device);
        IImageLayout layout = config.ModelType == "llava_next"
            ? Owned(owned, AnyResImageLayout.Load(files, names, tiles, projector))
            : new SingleTileLayout(imageProcessor, tiles);
        return new LoadedParts
        {
            Config = config, TensorNames = names, VisionTower = visionTower, Projector = projector, LanguageModel = languageModel,
            Tokenizer = tokenizer, ImageProcessor = imageProcessor, ChatTemplate = chatTemplate, Generation = generation, ImageLayout = layout,
            Tiles = tiles,
        };
    }

    private static T Owned<T>(List<IDisposable> owned, T part)
        where T : IDisposable
    {
        owned.Add(part);
        return part;
    }

    private InvalidOperationException Missing(string what)
    {
        // A LLaVA without its language model was loaded that way on purpose: say so rather than blame the checkpoint.
        string loaded = Kind.IsLlava() && _languageModel is null ? $" loaded with {nameof(ModelParts)}.{nameof(ModelParts.Vision)}" : "";
        return new($"{Directory} is a {Kind} checkpoint{loaded}: it lacks {what}");
    }

    /// <summary>Decodes an image file and encodes it (see <see cref="EncodeImage(RgbImage, ImageEncodeOptions)"/>).</summary>
    /// <param name="path">A PNG, JPEG, WebP, ... file.</param>
    /// <param name="options">Reducer and mode; null = vanilla.</param>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="Errors.ImageException">The file is not a decodable image.</exception>
    public EncodedImage EncodeImage(string path, ImageEncodeOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        return EncodeImage(ImageDecoder.Load(path), options);
    }

    /// <summary>Decodes an image file and encodes it with VisionZip at <paramref name="budget"/> (null = vanilla).</summary>
    /// <param name="path">A PNG, JPEG, WebP, ... file.</param>
    /// <param name="budget">VisionZip dominant + contextual tokens per tile; null = vanilla.</param>
    /// <param name="mode">Crop (the checkpoint processor) or pad (original LLaVA-1.5).</param>
    public EncodedImage EncodeImage(string path, ZipBudget? budget, ImageMode mode = ImageMode.Default) =>
        EncodeImage(path, ImageEncodeOptions.FromBudget(budget, mode));

    /// <summary>
    /// Preprocesses one photo and turns it into visual tokens through <see cref="ImageLayout"/>: every tile through the tower
    /// to the feature layer, the reducer (or the vanilla feature selection), the projector, then packed as the layout does.
    /// </summary>
    /// <param name="image">The RGB image.</param>
    /// <param name="options">Reducer and mode; null = vanilla.</param>
    /// <returns>The visual tokens; the caller disposes them.</returns>
    /// <exception cref="ArgumentException">The reducer does not fit the tower's tokens (checked before preprocessing).</exception>
    public EncodedImage EncodeImage(RgbImage image, ImageEncodeOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(image);
        ObjectDisposedException.ThrowIf(_disposed, this);
        return ImageLayout.Encode(image, options ?? ImageEncodeOptions.Vanilla);
    }

    /// <summary>Encodes one photo with VisionZip at <paramref name="budget"/> (null = vanilla).</summary>
    /// <param name="image">The RGB image.</param>
    /// <param name="budget">VisionZip dominant + contextual tokens per tile; null = vanilla.</param>
    /// <param name="mode">Crop (the checkpoint processor) or pad (original LLaVA-1.5).</param>
    public EncodedImage EncodeImage(RgbImage image, ZipBudget? budget, ImageMode mode = ImageMode.Default) =>
        EncodeImage(image, ImageEncodeOptions.FromBudget(budget, mode));

    /// <summary>Turns already preprocessed tiles into visual tokens (no preprocessing; otherwise as <see cref="EncodeImage(RgbImage, ImageEncodeOptions)"/>).</summary>
    /// <param name="pixelValues">Single-tile: <c>[1, 3, S, S]</c> or <c>[3, S, S]</c>; anyres: <c>[1, tiles, 3, S, S]</c> or <c>[tiles, 3, S, S]</c>.</param>
    /// <param name="imageSize">The photo's (height, width): required for anyres (it picks the grid and the unpadding).</param>
    /// <param name="options">Reducer and mode; null = vanilla.</param>
    /// <returns>The visual tokens; the caller disposes them.</returns>
    /// <exception cref="ArgumentException">The pixels do not fit the layout, or the reducer does not fit.</exception>
    public EncodedImage EncodePixels(Tensor pixelValues, (int Height, int Width)? imageSize = null, ImageEncodeOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(pixelValues);
        ObjectDisposedException.ThrowIf(_disposed, this);
        return ImageLayout.EncodePixels(pixelValues, imageSize, options ?? ImageEncodeOptions.Vanilla);
    }

    /// <summary>
    /// The user's question wrapped by the checkpoint's conversation format with one <c>&lt;image&gt;</c> per image and the
    /// assistant's generation prompt, e.g. <c>USER: &lt;image&gt;\nWhat is this? ASSISTANT:</c>.
    /// </summary>
    /// <param name="question">The question.</param>
    /// <param name="imageCount">Images the question is about.</param>
    public string FormatPrompt(string question, int imageCount = 1)
    {
        ArgumentNullException.ThrowIfNull(question);
        ArgumentOutOfRangeException.ThrowIfNegative(imageCount);
        return ChatTemplate.RenderSingleTurn(question, imageCount);
    }

    /// <summary>Tokenizes raw prompt text, <c>&lt;image&gt;</c> placeholders included, as the checkpoint's tokenizer does (BOS when it adds one).</summary>
    /// <param name="text">The prompt text.</param>
    public long[] Tokenize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return [.. Tokenizer.Encode(text).Select(id => (long)id)];
    }

    /// <summary>The ids of <see cref="FormatPrompt"/>'s prompt.</summary>
    /// <param name="question">The question.</param>
    /// <param name="imageCount">Images the question is about.</param>
    public long[] PromptIds(string question, int imageCount = 1) => Tokenize(FormatPrompt(question, imageCount));

    /// <summary>
    /// The checked prompt ids of a request, the one way every app builds them: <paramref name="inputIds"/> as given, else
    /// <paramref name="text"/> tokenized, wrapped by the chat template with one image placeholder per image unless
    /// <paramref name="raw"/>. Checked: not empty, every id inside the vocabulary, and (LLaVA) one placeholder per image.
    /// </summary>
    /// <param name="text">The question (or, with <paramref name="raw"/>, the whole prompt with its placeholders).</param>
    /// <param name="imageCount">Images that go with the prompt.</param>
    /// <param name="raw">The text is the whole prompt: no template.</param>
    /// <param name="inputIds">Token ids to use instead of text.</param>
    /// <exception cref="PromptException">No text nor ids, no tokenizer for text, no tokens, an id outside the vocabulary, or
    /// placeholders that do not match the images.</exception>
    public long[] PreparePrompt(string? text, int imageCount = 0, bool raw = false, IReadOnlyList<long>? inputIds = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(imageCount);
        int vocabulary = LanguageModel.Config.VocabSize;
        if (imageCount > 0 && !Kind.IsLlava())
        {
            throw new PromptException($"{Directory} is a {Kind} checkpoint: it takes no images");
        }

        long[] ids;
        if (inputIds is not null)
        {
            ids = [.. inputIds];
        }
        else if (text is null)
        {
            throw new PromptException("no prompt: give the text or the token ids");
        }
        else if (_tokenizer is null)
        {
            throw new PromptException($"no tokenizer files in {Directory} (tokenizer.model, or vocab.json + merges.txt): give token ids instead");
        }
        else
        {
            ids = Tokenize(raw ? text : FormatPrompt(text, imageCount));
        }

        if (ids.Length == 0)
        {
            throw new PromptException("the prompt encodes to no tokens");
        }

        foreach (long id in ids)
        {
            if (id < 0 || id >= vocabulary)
            {
                throw new PromptException($"token id {id} is outside the model's vocabulary (0..{vocabulary - 1})");
            }
        }

        if (Kind.IsLlava())
        {
            int placeholders = ids.Count(id => id == Config.ImageTokenIndex);
            if (placeholders != imageCount)
            {
                throw new PromptException(
                    $"the prompt has {placeholders} image placeholder(s) ({_tokenizer?.ImageToken ?? "<image>"}, id {Config.ImageTokenIndex}) but {imageCount} image(s) go with it");
            }
        }

        return ids;
    }

    /// <summary>
    /// Builds <c>inputs_embeds</c> <c>[1, T', hidden]</c>: the prompt's token embeddings with each image's projected rows in
    /// place of its placeholder (one <c>&lt;image&gt;</c> per image, or the id repeated once per visual token).
    /// </summary>
    /// <param name="inputIds">The prompt ids.</param>
    /// <param name="images">The images, in placeholder order.</param>
    /// <exception cref="ArgumentException">Placeholders and images do not match.</exception>
    public Tensor EmbedPrompt(IReadOnlyList<long> inputIds, IReadOnlyList<EncodedImage> images)
    {
        ArgumentNullException.ThrowIfNull(inputIds);
        ArgumentNullException.ThrowIfNull(images);
        var languageModel = PromptModel(images);
        var placeholders = Locate(inputIds, images);
        return PromptEmbeddings.Merge(placeholders, [.. images.Select(i => i.Projected!)], languageModel.EmbedTokens, Device);
    }

    /// <summary>
    /// Runs the prompt (text and visual tokens) through the language model after what <paramref name="cache"/> holds,
    /// appending to it, and returns the last position's logits.
    /// </summary>
    /// <param name="inputIds">The new prompt ids (BOS included when it starts the sequence).</param>
    /// <param name="images">The images of this prompt, in placeholder order.</param>
    /// <param name="cache">The KV cache to continue; from <c>LanguageModel.CreateCache()</c>.</param>
    /// <exception cref="ArgumentException">Placeholders and images do not match, or the context would overflow.</exception>
    public PrefillResult Prefill(IReadOnlyList<long> inputIds, IReadOnlyList<EncodedImage> images, KvCache cache)
    {
        ArgumentNullException.ThrowIfNull(cache);
        var clock = new DeviceClock(Device);
        int cachedBefore = cache.Length;
        var (embeds, _, length, embedTime) = BuildPrompt(inputIds, images);
        using (embeds)
        {
            using var scope = NewDisposeScope();
            var logits = LanguageModel.ForwardEmbeddings(embeds, cache, LogitsSelection.LastPosition);   // [1, V]
            return new PrefillResult(logits, length, cachedBefore, embedTime, clock.Total());
        }
    }

    /// <summary>
    /// Generates a reply: builds <c>inputs_embeds</c> for the prompt and its images, prefills them (last-position logits
    /// only) and decodes token by token through <see cref="Generator"/>. Works for LLaVA and for a bare decoder (no images;
    /// without tokenizer files the reply's text is empty and its ids are in <see cref="LlavaAnswer.Tokens"/>).
    /// </summary>
    /// <param name="inputIds">The prompt ids (e.g. <see cref="PromptIds"/>), one <c>&lt;image&gt;</c> per image or expanded.</param>
    /// <param name="images">The images, in placeholder order.</param>
    /// <param name="options">Sampling and stop rules; null = <see cref="DefaultGenerationOptions"/>.</param>
    /// <param name="cache">A cache to continue (left holding the prompt and every generated token but the last); null = a private one.</param>
    /// <param name="cancellationToken">Checked before the prefill and between tokens.</param>
    /// <exception cref="ArgumentException">Placeholders and images do not match, images given to a bare decoder, invalid options,
    /// or the context would overflow.</exception>
    /// <exception cref="InvalidOperationException">The checkpoint is an encoder (no language model).</exception>
    public LlavaAnswer Generate(IReadOnlyList<long> inputIds, IReadOnlyList<EncodedImage> images, GenerationOptions? options = null,
        KvCache? cache = null, CancellationToken cancellationToken = default)
    {
        var (embeds, textIds, length, embedTime) = BuildPrompt(inputIds, images);
        using (embeds)
        {
            var result = Generator.Generate(GenerationPrompt.FromEmbeddings(embeds, [textIds]), options ?? DefaultGenerationOptions, cache,
                cancellationToken);
            // A bare decoder may come without tokenizer files: its reply is then the ids alone (empty text).
            string text = _tokenizer?.Decode(result.Tokens[0], skipSpecialTokens: true) ?? "";
            return new LlavaAnswer(text, length, embedTime, result);
        }
    }

    /// <summary>As <see cref="Generate"/>, streaming one step per generated token (decode the text with a <see cref="StreamingDetokenizer"/>).</summary>
    /// <param name="inputIds">The prompt ids, one <c>&lt;image&gt;</c> per image or expanded.</param>
    /// <param name="images">The images, in placeholder order.</param>
    /// <param name="options">Sampling and stop rules; null = <see cref="DefaultGenerationOptions"/>.</param>
    /// <param name="cache">A cache to continue; null = a private one.</param>
    /// <param name="cancellationToken">Checked before the prefill and between tokens.</param>
    /// <param name="textIdsSeen">The text ids the repetition penalty counts as already seen; null = this prompt's. A caller
    /// continuing a cached conversation passes the whole conversation's.</param>
    /// <exception cref="ArgumentException">Placeholders and images do not match, invalid options, or the context would overflow (thrown at once).</exception>
    public IAsyncEnumerable<GenerationStep> StreamAsync(IReadOnlyList<long> inputIds, IReadOnlyList<EncodedImage> images,
        GenerationOptions? options = null, KvCache? cache = null, CancellationToken cancellationToken = default,
        IReadOnlyList<int>? textIdsSeen = null)
    {
        var (embeds, textIds, _, _) = BuildPrompt(inputIds, images);
        try
        {
            var steps = Generator.StreamAsync(GenerationPrompt.FromEmbeddings(embeds, [textIdsSeen ?? textIds]), options ?? DefaultGenerationOptions, cache,
                cancellationToken);
            return DisposeAfter(steps, embeds, cancellationToken);
        }
        catch
        {
            embeds.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        (_imageLayout as IDisposable)?.Dispose();
        _tiles?.DisposeTuned();
        (_tokenizer as IDisposable)?.Dispose();
        _projector?.Dispose();
        _visionTower?.Dispose();
        _languageModel?.Dispose();
    }

    /// <summary>Merged embeddings [1, T', D] (outside every dispose scope: the caller disposes them) and the text ids seen.</summary>
    internal (Tensor Embeds, IReadOnlyList<int> TextIds, int Length, TimeSpan EmbedTime) BuildPrompt(
        IReadOnlyList<long> inputIds, IReadOnlyList<EncodedImage> images)
    {
        ArgumentNullException.ThrowIfNull(inputIds);
        ArgumentNullException.ThrowIfNull(images);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (inputIds.Count == 0)
        {
            throw new ArgumentException("input_ids is empty: nothing to prefill", nameof(inputIds));
        }

        var languageModel = PromptModel(images);
        var clock = new DeviceClock(Device);
        var placeholders = Locate(inputIds, images);
        Tensor embeds;
        using (var scope = NewDisposeScope())
        {
            embeds = PromptEmbeddings.Merge(placeholders, [.. images.Select(i => i.Projected!)], languageModel.EmbedTokens, Device)
                .DetachFromDisposeScope();
        }

        int[] textIds = [.. inputIds.Where(id => id != ImageTokenId).Select(id => (int)id)];
        return (embeds, textIds, placeholders.Length, clock.Lap());
    }

    private static async IAsyncEnumerable<GenerationStep> DisposeAfter(IAsyncEnumerable<GenerationStep> steps, Tensor owned,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var step in steps.WithCancellation(cancellationToken))
            {
                yield return step;
            }
        }
        finally
        {
            owned.Dispose();
        }
    }

    private static GenerationOptions GenerationDefaults(CheckpointDirectory files, IReadOnlyList<int> eosIds)
    {
        var options = GenerationOptions.FromCheckpoint(files);
        return options with { EosTokenIds = [.. options.EosTokenIds.Union(eosIds)] };
    }

    /// <summary>The parts a kind loads; absent ones stay null.</summary>
    private sealed record LoadedParts
    {
        public LlavaConfig? Config { get; init; }
        public LlavaTensorNames? TensorNames { get; init; }
        public VisionTower? VisionTower { get; init; }
        public LlavaMultiModalProjector? Projector { get; init; }
        public LlamaForCausalLM? LanguageModel { get; init; }
        public ITextTokenizer? Tokenizer { get; init; }
        public ImageProcessor? ImageProcessor { get; init; }
        public ChatTemplate? ChatTemplate { get; init; }
        public IImageLayout? ImageLayout { get; init; }
        public TileEncoder? Tiles { get; init; }
        public GenerationOptions? Generation { get; init; }
    }

    private ImagePlaceholders Locate(IReadOnlyList<long> inputIds, IReadOnlyList<EncodedImage> images) =>
        ImagePlaceholders.Locate(inputIds, [.. images.Select(i => i.TokenCount)], ImageTokenId);

    /// <summary>The language model that embeds a prompt; an encoder has none and a bare decoder takes no images (both refused by name).</summary>
    private LlamaForCausalLM PromptModel(IReadOnlyList<EncodedImage> images)
    {
        var languageModel = LanguageModel;
        if (_config is null && images.Count > 0)
        {
            throw new ArgumentException($"{Directory} is a {Kind} checkpoint without a vision tower: it takes no images ({images.Count} given)", nameof(images));
        }

        return languageModel;
    }

    /// <summary>The image placeholder id; a bare decoder has none (-1 matches no token id).</summary>
    private long ImageTokenId => _config?.ImageTokenIndex ?? -1;

    private static void CheckWidths(LlavaConfig config, VisionTower tower, LlavaMultiModalProjector projector, int textHidden)
    {
        if (projector.InputSize != tower.Config.HiddenSize || projector.OutputSize != textHidden)
        {
            throw new InvalidDataException(
                $"{config.Source}: the projector maps {projector.InputSize} -> {projector.OutputSize}, but the vision hidden size is " +
                $"{tower.Config.HiddenSize} and the text hidden size {textHidden}");
        }
    }
}
