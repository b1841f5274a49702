using TorchSharp;
using System.Runtime.CompilerServices;
using VisionZip.Models.IO;
using VisionZip.Models.Generation;
using VisionZip.Models.Imaging;
using VisionZip.Models.Language;
using VisionZip.Models.Tokenization;
using VisionZip.Models.Vision;
using static TorchSharp.torch;

namespace VisionZip.Models.Llava;

/// <summary>
/// LLaVA end to end (transformers <c>LlavaForConditionalGeneration</c> with its processor): image → vision tower →
/// (VisionZip) → projector → visual tokens merged into the prompt embeddings → LLaMA/Mistral/Qwen2 decoder.
/// Works for LLaVA-1.5 (CLIP + llama, layer -2, CLS dropped) and LLaVA-Interleave (truncated SigLIP, layer -1,
/// all tokens, tied Qwen2, ChatML).
/// </summary>
/// <remarks>
/// <para>Vanilla images feed <c>projector(hidden_states[vision_feature_layer])</c> with the config's strategy
/// ('default' drops CLS, 'full' keeps every token). Zipped images feed <c>projector(dominant + contextual)</c>
/// from the same layer, CLS among the dominant tokens when the tower has one, as the official VisionZip feeds
/// LLaVA-1.5.</para>
/// <para>Owns the vision tower, projector, decoder, tokenizer and image processor; dispose it once. Encoding and
/// prefill are synchronous and use thread-local dispose scopes; several threads may encode or prefill at once as
/// long as each uses its own <see cref="KvCache"/>.</para>
/// </remarks>
public sealed class LlavaPipeline : IDisposable
{
    private bool _disposed;

    private LlavaPipeline(
        string directory,
        LlavaConfig config,
        LlavaTensorNames tensorNames,
        VisionTower visionTower,
        LlavaMultiModalProjector projector,
        LlamaForCausalLM languageModel,
        ITextTokenizer tokenizer,
        ImageProcessor imageProcessor,
        ChatTemplate chatTemplate,
        GenerationOptions defaultGenerationOptions,
        LlavaNextImageEncoder? llavaNext)
    {
        Directory = directory;
        Config = config;
        TensorNames = tensorNames;
        VisionTower = visionTower;
        Projector = projector;
        LanguageModel = languageModel;
        Tokenizer = tokenizer;
        ImageProcessor = imageProcessor;
        ChatTemplate = chatTemplate;
        DefaultGenerationOptions = defaultGenerationOptions;
        LlavaNext = llavaNext;
        Generator = new TextGenerator(languageModel, ids => tokenizer.Decode(ids, skipSpecialTokens: true));
    }

    /// <summary>The checkpoint directory.</summary>
    public string Directory { get; }

    /// <summary>The LLaVA configuration.</summary>
    public LlavaConfig Config { get; }

    /// <summary>Which tensor-name spelling the checkpoint uses.</summary>
    public LlavaTensorNames TensorNames { get; }

    /// <summary>The vision tower (runs only up to the feature layer).</summary>
    public VisionTower VisionTower { get; }

    /// <summary>The multi-modal projector (<c>linear_1 → act → linear_2</c>).</summary>
    public LlavaMultiModalProjector Projector { get; }

    /// <summary>The language model.</summary>
    public LlamaForCausalLM LanguageModel { get; }

    /// <summary>The text tokenizer.</summary>
    public ITextTokenizer Tokenizer { get; }

    /// <summary>The image processor (<c>preprocessor_config.json</c>).</summary>
    public ImageProcessor ImageProcessor { get; }

    /// <summary>The conversation format of the checkpoint (its chat template, or the family's when it has none).</summary>
    public ChatTemplate ChatTemplate { get; }

    /// <summary>
    /// Generation defaults: greedy, the checkpoint's <c>generation_config.json</c> when present, and every
    /// end-of-sequence id of the tokenizer and that file. Derive others with <c>with { ... }</c>.
    /// </summary>
    public GenerationOptions DefaultGenerationOptions { get; }

    /// <summary>
    /// LLaVA-NeXT ('anyres') image encoding for <c>model_type: llava_next</c> checkpoints (every <c>EncodeImage</c> goes
    /// through it there); null for <c>llava</c>.
    /// </summary>
    public LlavaNextImageEncoder? LlavaNext { get; }

    /// <summary>The generator over <see cref="LanguageModel"/> (stop strings decode through <see cref="Tokenizer"/>).</summary>
    public TextGenerator Generator { get; }

    /// <summary>Element type of every weight and activation.</summary>
    public ScalarType DType => LanguageModel.DType;

    /// <summary>Device of every weight.</summary>
    public Device Device => LanguageModel.Device;

    /// <summary>Visual tokens per image without VisionZip (576 for LLaVA-1.5, 729 for LLaVA-Interleave).</summary>
    public int VanillaTokenCount => VisionTower.VanillaTokenCount;

    /// <summary>
    /// Loads a llava-hf checkpoint directory: <c>config.json</c> (<c>model_type: llava</c> or <c>llava_next</c>), weights (one file or shards,
    /// either tensor-name spelling), tokenizer files, <c>preprocessor_config.json</c> and the chat template if any.
    /// </summary>
    /// <param name="directory">The checkpoint directory.</param>
    /// <param name="dtype">Float32 (CPU default), Float16 or BFloat16, for every part.</param>
    /// <param name="device">Target device; null = CPU.</param>
    /// <exception cref="FileNotFoundException">A required file is missing.</exception>
    /// <exception cref="InvalidDataException">A file is malformed, weights are missing or mis-shaped, or the parts disagree (image token id, widths).</exception>
    /// <exception cref="NotSupportedException">A model type this pipeline does not run (e.g. <c>llava_onevision</c>).</exception>
    public static LlavaPipeline Load(string directory, ScalarType dtype = ScalarType.Float32, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(directory);
        string full = Path.GetFullPath(directory);
        if (!System.IO.Directory.Exists(full))
        {
            throw new DirectoryNotFoundException($"LLaVA checkpoint directory not found: {full}");
        }

        var config = LlavaConfig.Load(full);
        if (config.ModelType is not ("llava" or "llava_next"))
        {
            throw new NotSupportedException(
                $"{config.Source}: model_type \"{config.ModelType}\" is not run by LlavaPipeline (LLaVA-1.5 / LLaVA-Interleave \"llava\", LLaVA-NeXT \"llava_next\")");
        }

        var owned = new List<IDisposable>();
        try
        {
            LlavaTensorNames names;
            LlamaForCausalLM languageModel;
            using (var checkpoint = SafetensorsCheckpoint.Open(full))
            {
                names = LlavaTensorNames.Detect(checkpoint.Names, checkpoint.Source);
                if (!config.TieWordEmbeddings && names.LmHead is null)
                {
                    string expected = names.LanguageModel == LlavaTensorNames.Original.LanguageModel
                        ? LlavaTensorNames.Original.LmHead!
                        : LlavaTensorNames.Nested.LmHead!;
                    throw new InvalidDataException(
                        $"{checkpoint.Source}: tie_word_embeddings is false but the LM head '{expected}' is missing");
                }

                var textConfig = config.ResolveTextConfig();
                languageModel = LlamaForCausalLM.Load(checkpoint, textConfig, names.LanguageModel,
                    names.LmHead ?? LlavaTensorNames.Original.LmHead!, dtype, device);
                owned.Add(languageModel);
            }

            var visionTower = VisionTower.Load(full, dtype, device);
            owned.Add(visionTower);
            var projector = LlavaMultiModalProjector.Load(full, dtype, device);
            owned.Add(projector);
            CheckWidths(config, visionTower, projector, languageModel);

            var tokenizer = TokenizerLoader.Load(full);
            if (tokenizer is IDisposable disposableTokenizer)
            {
                owned.Add(disposableTokenizer);
            }

            if (tokenizer.ImageTokenId is { } imageId && imageId != config.ImageTokenIndex)
            {
                throw new InvalidDataException(
                    $"{config.Source}: image_token_index is {config.ImageTokenIndex} but the tokenizer maps '{tokenizer.ImageToken}' to {imageId}");
            }

            var imageProcessor = ImageProcessor.Load(full);
            imageProcessor.RequireOutputSize(visionTower.Config.ImageSize, full); // before any image is preprocessed
            var chatTemplate = ChatTemplate.FromCheckpoint(full);
            var generation = LoadGenerationOptions(full, tokenizer);

            // LLaVA-NeXT: anyres split, image_newline, per-image VisionZip (LlavaNextImageEncoder).
            LlavaNextImageEncoder? llavaNext = null;
            if (config.ModelType == "llava_next")
            {
                llavaNext = LlavaNextImageEncoder.Load(full, names, visionTower, projector, languageModel.DType, languageModel.Device);
                owned.Add(llavaNext);
            }

            return new LlavaPipeline(full, config, names, visionTower, projector, languageModel, tokenizer, imageProcessor, chatTemplate, generation,
                llavaNext);
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

    /// <summary>Decodes an image file and encodes it (see <see cref="EncodeImage(RgbImage, ZipBudget?, ImageMode)"/>).</summary>
    /// <param name="path">A PNG, JPEG, WebP, ... file.</param>
    /// <param name="budget">VisionZip dominant + contextual tokens; null = vanilla.</param>
    /// <param name="mode">Crop (the checkpoint processor) or pad (original LLaVA-1.5).</param>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="InvalidDataException">The file is not a decodable image.</exception>
    public EncodedImage EncodeImage(string path, ZipBudget? budget = null, ImageMode mode = ImageMode.Default)
    {
        ArgumentNullException.ThrowIfNull(path);
        var clock = new DeviceClock(Device);
        var image = ImageDecoder.Load(path);
        return EncodeImageCore(image, budget, mode, clock);
    }

    /// <summary>
    /// Preprocesses one image and turns it into visual tokens: vanilla
    /// (<c>projector(hidden_states[layer])</c>, strategy applied) or, with a budget, VisionZip
    /// (<c>projector(dominant + contextual)</c>).
    /// </summary>
    /// <param name="image">The RGB image.</param>
    /// <param name="budget">VisionZip dominant + contextual tokens; null = vanilla.</param>
    /// <param name="mode">Crop (the checkpoint processor) or pad (original LLaVA-1.5).</param>
    /// <returns>The visual tokens; the caller disposes them.</returns>
    /// <exception cref="ArgumentException">The budget does not fit the tower's tokens.</exception>
    public EncodedImage EncodeImage(RgbImage image, ZipBudget? budget = null, ImageMode mode = ImageMode.Default)
    {
        ArgumentNullException.ThrowIfNull(image);
        return EncodeImageCore(image, budget, mode, new DeviceClock(Device));
    }

    /// <summary>Turns already preprocessed pixels into visual tokens (no preprocessing; otherwise as <see cref="EncodeImage(RgbImage, ZipBudget?, ImageMode)"/>).</summary>
    /// <param name="pixelValues"><c>[1, 3, S, S]</c> or <c>[3, S, S]</c> processor output.</param>
    /// <param name="budget">VisionZip dominant + contextual tokens; null = vanilla.</param>
    /// <returns>The visual tokens; the caller disposes them.</returns>
    /// <exception cref="ArgumentException">The pixels are not one image of the tower's size, or the budget does not fit.</exception>
    /// <exception cref="NotSupportedException">A <c>llava_next</c> pipeline: use <see cref="LlavaNextImageEncoder.EncodePixels"/> with the image size.</exception>
    public EncodedImage EncodePixels(Tensor pixelValues, ZipBudget? budget = null)
    {
        ArgumentNullException.ThrowIfNull(pixelValues);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (LlavaNext is not null)
        {
            throw new NotSupportedException(
                $"{Config.Source}: llava_next pixels need the photo's image_sizes; use LlavaNext.EncodePixels(pixelValues, imageSize, budget)");
        }

        if (pixelValues.ndim == 3)
        {
            using var batched = pixelValues.unsqueeze(0);
            return EncodeCore(batched, budget, ImageMode.Default, new DeviceClock(Device), TimeSpan.Zero);
        }

        if (pixelValues.ndim != 4 || pixelValues.shape[0] != 1)
        {
            throw new ArgumentException(
                $"pixel_values must be one image [1, 3, S, S] or [3, S, S], got [{string.Join(", ", pixelValues.shape)}]", nameof(pixelValues));
        }

        return EncodeCore(pixelValues, budget, ImageMode.Default, new DeviceClock(Device), TimeSpan.Zero);
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
        var placeholders = Locate(inputIds, images);
        return PromptEmbeddings.Merge(placeholders, [.. images.Select(i => i.Projected)], LanguageModel.EmbedTokens, Device);
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
    /// only) and decodes token by token through <see cref="Generator"/>.
    /// </summary>
    /// <param name="inputIds">The prompt ids (e.g. <see cref="PromptIds"/>), one <c>&lt;image&gt;</c> per image or expanded.</param>
    /// <param name="images">The images, in placeholder order.</param>
    /// <param name="options">Sampling and stop rules; null = <see cref="DefaultGenerationOptions"/>.</param>
    /// <param name="cache">A cache to continue (left holding the prompt and every generated token but the last); null = a private one.</param>
    /// <param name="cancellationToken">Checked before the prefill and between tokens.</param>
    /// <exception cref="ArgumentException">Placeholders and images do not match, invalid options, or the context would overflow.</exception>
    public LlavaAnswer Generate(IReadOnlyList<long> inputIds, IReadOnlyList<EncodedImage> images, GenerationOptions? options = null,
        KvCache? cache = null, CancellationToken cancellationToken = default)
    {
        var (embeds, textIds, length, embedTime) = BuildPrompt(inputIds, images);
        using (embeds)
        {
            var result = Generator.Generate(GenerationPrompt.FromEmbeddings(embeds, [textIds]), options ?? DefaultGenerationOptions, cache,
                cancellationToken);
            return new LlavaAnswer(Tokenizer.Decode(result.Tokens[0], skipSpecialTokens: true), length, embedTime, result);
        }
    }

    /// <summary>As <see cref="Generate"/>, streaming one step per generated token (decode the text with a <see cref="StreamingDetokenizer"/>).</summary>
    /// <param name="inputIds">The prompt ids, one <c>&lt;image&gt;</c> per image or expanded.</param>
    /// <param name="images">The images, in placeholder order.</param>
    /// <param name="options">Sampling and stop rules; null = <see cref="DefaultGenerationOptions"/>.</param>
    /// <param name="cache">A cache to continue; null = a private one.</param>
    /// <param name="cancellationToken">Checked before the prefill and between tokens.</param>
    /// <exception cref="ArgumentException">Placeholders and images do not match, invalid options, or the context would overflow (thrown at once).</exception>
    public IAsyncEnumerable<GenerationStep> StreamAsync(IReadOnlyList<long> inputIds, IReadOnlyList<EncodedImage> images,
        GenerationOptions? options = null, KvCache? cache = null, CancellationToken cancellationToken = default)
    {
        var (embeds, textIds, _, _) = BuildPrompt(inputIds, images);
        try
        {
            var steps = Generator.StreamAsync(GenerationPrompt.FromEmbeddings(embeds, [textIds]), options ?? DefaultGenerationOptions, cache,
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
        LlavaNext?.Dispose();
        (Tokenizer as IDisposable)?.Dispose();
        Projector.Dispose();
        VisionTower.Dispose();
        LanguageModel.Dispose();
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

        var clock = new DeviceClock(Device);
        var placeholders = Locate(inputIds, images);
        Tensor embeds;
        using (var scope = NewDisposeScope())
        {
            embeds = PromptEmbeddings.Merge(placeholders, [.. images.Select(i => i.Projected)], LanguageModel.EmbedTokens, Device)
                .DetachFromDisposeScope();
        }

        int[] textIds = [.. inputIds.Where(id => id != Config.ImageTokenIndex).Select(id => (int)id)];
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

    private static GenerationOptions LoadGenerationOptions(string directory, ITextTokenizer tokenizer)
    {
        string path = Path.Combine(directory, "generation_config.json");
        var options = File.Exists(path) ? GenerationOptions.FromGenerationConfig(path) : new GenerationOptions();
        return options with { EosTokenIds = [.. options.EosTokenIds.Union(tokenizer.EosIds)] };
    }

    private ImagePlaceholders Locate(IReadOnlyList<long> inputIds, IReadOnlyList<EncodedImage> images) =>
        ImagePlaceholders.Locate(inputIds, [.. images.Select(i => i.TokenCount)], Config.ImageTokenIndex);

    private EncodedImage EncodeImageCore(RgbImage image, ZipBudget? budget, ImageMode mode, DeviceClock clock)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (LlavaNext is not null)
        {
            return LlavaNext.EncodeCore(image, budget, clock);                   // anyres: crops, per-image zip, packing
        }

        using var scope = NewDisposeScope();
        var pixels = ImageProcessor.Preprocess(image, mode);                     // [1, 3, S, S] float32
        var preprocess = clock.Lap();
        return EncodeCore(pixels, budget, mode, clock, preprocess);
    }

    private EncodedImage EncodeCore(Tensor pixelValues, ZipBudget? budget, ImageMode mode, DeviceClock clock, TimeSpan preprocess)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var pixels = pixelValues.to(DType, Device);
        clock.Lap();
        if (budget is not { } zipBudget)
        {
            var features = VisionTower.EncodeVanilla(pixels)[0];                 // [K, Dv]
            var vision = clock.Lap();
            var projected = Projector.call(features).to(LanguageModel.DType, Device);   // [K, D]
            var projectorTime = clock.Lap();
            var stats = new ImageEncodingStats(VanillaTokenCount, (int)features.shape[0], preprocess, vision, TimeSpan.Zero, projectorTime);
            return new EncodedImage(features, projected, zip: null, budget: null, mode, stats);
        }

        TimeSpan visionTime = TimeSpan.Zero;
        var zip = (ZipResult)VisionTower.EncodeReduced(pixels, new VisionZipReducer(zipBudget), stage =>
        {
            if (stage == VisionStage.Encoder)
            {
                visionTime = clock.Lap();
            }
        });

        var zipTime = clock.Lap();
        var tokens = zip.Tokens[0];                                              // [dominant + contextual, Dv]
        var zipped = Projector.call(tokens).to(LanguageModel.DType, Device);    // [dominant + contextual, D]
        var projectTime = clock.Lap();
        var zipStats = new ImageEncodingStats(VanillaTokenCount, (int)tokens.shape[0], preprocess, visionTime, zipTime, projectTime);
        return new EncodedImage(tokens, zipped, zip, zipBudget, mode, zipStats);
    }

    private static void CheckWidths(LlavaConfig config, VisionTower tower, LlavaMultiModalProjector projector, LlamaForCausalLM languageModel)
    {
        if (projector.InputSize != tower.Config.HiddenSize || projector.OutputSize != languageModel.Config.HiddenSize)
        {
            throw new InvalidDataException(
                $"{config.Source}: the projector maps {projector.InputSize} -> {projector.OutputSize}, but the vision hidden size is " +
                $"{tower.Config.HiddenSize} and the text hidden size {languageModel.Config.HiddenSize}");
        }
    }
}
