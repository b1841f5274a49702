using System.Text;
using VisionZip.Models.Errors;
using VisionZip.Models.Imaging;
using VisionZip.Models.IO;
using VisionZip.Models.Language;
using VisionZip.Models.Llava;
using VisionZip.Models.Tokenization;
using VisionZip.Models.Vision;
using VisionZip.Tests.Support;
using static TorchSharp.torch;

namespace VisionZip.Tests.Reliability;

/// <summary>
/// Every parser that reads a user file, as a fuzz target over raw bytes (text targets take UTF-16LE so any string,
/// lone surrogates included, survives the corpus). Files are written to a private scratch directory per input.
/// </summary>
internal static class FuzzTargets
{
    /// <summary>
    /// Limits the image targets run under: a few megapixels, so that every derived size the library accepts fits
    /// <see cref="FuzzCase.MaxManagedBytes"/> (the defaults, Pillow's, allow half a gigabyte per image by design).
    /// </summary>
    public static readonly ResourceLimits Limits = new() { MaxImagePixels = 4_000_000 };

    private static readonly ImageLoadOptions DecodeLimits = new() { MaxPixels = Limits.MaxImagePixels };
    private static readonly Lazy<ImageProcessor> ClipProcessor = new(() => ImageProcessor.Load(Fixtures.Path("clip-vit-tiny-patch14-336"), limits: Limits));
    private static readonly Lazy<ITextTokenizer> LlamaTokenizer = new(() => TokenizerLoader.Load(Fixtures.Path("llava-1.5-tiny-hf")));
    private static readonly Lazy<ITextTokenizer> QwenTokenizer = new(() => TokenizerLoader.Load(Fixtures.Path("llava-interleave-qwen-tiny-hf")));
    private static readonly RgbImage Small = RgbImage.Filled(7, 5, 10, 200, 30);

    public static readonly FuzzTarget Safetensors = new("safetensors", input =>
    {
        using var scratch = new Scratch();
        using var checkpoint = SafetensorsCheckpoint.Open(scratch.Write("model.safetensors", input));
        ReadAll(checkpoint);
    }, Named);

    public static readonly FuzzTarget SafetensorsIndex = new("safetensors-index", input =>
    {
        using var scratch = new Scratch();
        File.Copy(Fixtures.Path("llama-tiny", "model.safetensors"), scratch.File("model-00001-of-00001.safetensors"));
        scratch.Write(SafetensorsCheckpoint.IndexFileName, input);
        using var checkpoint = SafetensorsCheckpoint.Open(scratch.Path);
        ReadAll(checkpoint);
    }, Named);

    public static readonly FuzzTarget ModelConfig = new("config", input =>
    {
        string json = Encoding.UTF8.GetString(input);
        Try(() => LlavaConfig.Parse(json).ResolveTextConfig());
        Try(() => DecoderConfig.Parse(json));
        Try(() => VisionConfig.Parse(json));
    }, NamedOrDocumented);

    public static readonly FuzzTarget Preprocessor = new("preprocessor", input =>
    {
        using var scratch = new Scratch();
        scratch.Write("preprocessor_config.json", input);
        var processor = ImageProcessor.Load(scratch.Path, limits: Limits);
        using (NewDisposeScope())
        {
            processor.Preprocess(Small, ImageMode.Crop);
            processor.Preprocess(Small, ImageMode.Pad);
        }

        if (processor.Config.ImageGridPinpoints is not null)
        {
            var anyRes = AnyResProcessor.Load(scratch.Path, Limits);
            using (NewDisposeScope())
            {
                anyRes.Preprocess(Small);
            }
        }
    }, NamedOrDocumented);

    public static readonly FuzzTarget LlamaTokenizerConfig = new("tokenizer-llama-config", input =>
    {
        using var scratch = new Scratch();
        File.Copy(Fixtures.Path("llava-1.5-tiny-hf", "tokenizer.model"), scratch.File("tokenizer.model"));
        scratch.Write("tokenizer_config.json", input);
        Exercise(TokenizerLoader.Load(scratch.Path));
    }, NamedOrDocumented);

    public static readonly FuzzTarget LlamaTokenizerModel = new("tokenizer-llama-model", input =>
    {
        using var scratch = new Scratch();
        File.Copy(Fixtures.Path("llava-1.5-tiny-hf", "tokenizer_config.json"), scratch.File("tokenizer_config.json"));
        scratch.Write("tokenizer.model", input);
        Exercise(TokenizerLoader.Load(scratch.Path));
    }, NamedOrDocumented);

    public static readonly FuzzTarget QwenVocab = new("tokenizer-qwen2-vocab", input =>
    {
        using var scratch = new Scratch();
        CopyQwen(scratch, except: Qwen2BpeTokenizer.VocabFile);
        scratch.Write(Qwen2BpeTokenizer.VocabFile, input);
        Exercise(TokenizerLoader.Load(scratch.Path));
    }, NamedOrDocumented);

    public static readonly FuzzTarget QwenMerges = new("tokenizer-qwen2-merges", input =>
    {
        using var scratch = new Scratch();
        CopyQwen(scratch, except: Qwen2BpeTokenizer.MergesFile);
        scratch.Write(Qwen2BpeTokenizer.MergesFile, input);
        Exercise(TokenizerLoader.Load(scratch.Path));
    }, NamedOrDocumented);

    public static readonly FuzzTarget Image = new("image", input =>
    {
        var image = ImageDecoder.Decode(input, "fuzz-image", DecodeLimits);
        using (NewDisposeScope())
        {
            ClipProcessor.Value.Preprocess(image, ImageMode.Crop);
        }
    }, Named);

    public static readonly FuzzTarget TokenizerText = new("tokenizer-text", input =>
    {
        string text = Encoding.Unicode.GetString(input);
        Exercise(LlamaTokenizer.Value, text);
        Exercise(QwenTokenizer.Value, text);
    }, Named);

    public static readonly FuzzTarget ChatTemplateText = new("chat-template", input =>
    {
        string text = Encoding.Unicode.GetString(input);
        int images = text.Length % 3;
        ChatMessage[] conversation = [ChatMessage.System(text), ChatMessage.User(text, images), ChatMessage.Assistant(text), ChatMessage.User(text)];
        foreach (var template in new[] { ChatTemplate.Llava15(), ChatTemplate.ChatMl(), ChatTemplate.MistralInstruct() })
        {
            string prompt = template.Render(conversation, addGenerationPrompt: true);
            Assert.Contains(text, prompt, StringComparison.Ordinal); // the user's text is carried verbatim, whatever it holds
            LlamaTokenizer.Value.Encode(prompt);
        }

        // A user-written format: malformed ones are refused with the documented ArgumentException.
        try
        {
            ChatTemplate.FromFormat(text).Render(conversation, addGenerationPrompt: true);
        }
        catch (ArgumentException)
        {
        }
    }, Named);

    /// <summary>Every target by name (the corpus folders use these names).</summary>
    public static IReadOnlyDictionary<string, FuzzTarget> All { get; } = new[]
    {
        Safetensors, SafetensorsIndex, ModelConfig, Preprocessor, LlamaTokenizerConfig, LlamaTokenizerModel, QwenVocab, QwenMerges, Image,
        TokenizerText, ChatTemplateText,
    }.ToDictionary(t => t.Name);

    // The library's own errors only: the parsers of this lane (safetensors, images, tokenizer text, templates).
    private static bool Named(Exception e) => e is VisionZipException;

    // Readers of other lanes still document InvalidDataException / FileNotFoundException (and NotSupportedException
    // for an unsupported model_type); those count as named refusals until they move to the hierarchy.
    private static bool NamedOrDocumented(Exception e) =>
        e is VisionZipException or InvalidDataException or FileNotFoundException or NotSupportedException;

    private static void ReadAll(SafetensorsCheckpoint checkpoint)
    {
        foreach (string name in checkpoint.Names.ToList())
        {
            using var tensor = checkpoint.ReadWeight(name);
        }
    }

    private static void Exercise(ITextTokenizer tokenizer, string text = "Hello <image> wörld \u4f60\u597d \U0001F600 </s>")
    {
        var ids = tokenizer.Encode(text);
        tokenizer.Decode(ids);
        tokenizer.Decode(ids, skipSpecialTokens: true);
        var detokenizer = new StreamingDetokenizer(tokenizer, skipSpecialTokens: true);
        foreach (int id in ids)
        {
            detokenizer.Append(id);
        }

        detokenizer.Flush();
        if (tokenizer.VocabSize > 0)
        {
            tokenizer.Decode([0, tokenizer.VocabSize - 1, text.Length % tokenizer.VocabSize]);
        }
    }

    private static void CopyQwen(Scratch scratch, string except)
    {
        foreach (string file in Directory.GetFiles(Fixtures.Path("llava-interleave-qwen-tiny-hf")))
        {
            string name = Path.GetFileName(file);
            if (name != except && !name.EndsWith(".safetensors", StringComparison.Ordinal) && name != "tokenizer.json")
            {
                File.Copy(file, scratch.File(name));
            }
        }
    }

    // Runs each parser independently: one refusing the input must not hide another's crash.
    private static void Try(Action parse)
    {
        try
        {
            parse();
        }
        catch (Exception e) when (NamedOrDocumented(e))
        {
        }
    }

    /// <summary>A private directory for one input, deleted afterwards.</summary>
    private sealed class Scratch : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("visionzip-fuzz-").FullName;

        public string File(string name) => System.IO.Path.Combine(Path, name);

        public string Write(string name, byte[] bytes)
        {
            System.IO.File.WriteAllBytes(File(name), bytes);
            return File(name);
        }

        public void Dispose()
        {
            try
            {
                Directory.Delete(Path, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
