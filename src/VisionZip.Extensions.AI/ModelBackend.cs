using VisionZip.Models;
using System.Runtime.CompilerServices;
using VisionZip.Models.Generation;
using VisionZip.Models.Imaging;
using VisionZip.Models.Language;
using VisionZip.Models.Llava;
using VisionZip.Models.Tokenization;
using static TorchSharp.torch;

namespace VisionZip.Extensions.AI;

/// <summary>
/// <see cref="ILlavaBackend"/> over <see cref="VisionLanguageModel"/>. When the single-type model facade lands, this is the
/// one file to re-point.
/// </summary>
internal sealed class ModelBackend : ILlavaBackend
{
    private readonly VisionLanguageModel _pipeline;
    private readonly bool _owned;

    public ModelBackend(VisionLanguageModel pipeline, bool owned)
    {
        _pipeline = pipeline;
        _owned = owned;
    }

    public object Model => _pipeline;

    public string Directory => _pipeline.Directory;

    public long ImageTokenId => _pipeline.Config.ImageTokenIndex;

    public int ContextLength => _pipeline.LanguageModel.ContextLength;

    public GenerationOptions DefaultGenerationOptions => _pipeline.DefaultGenerationOptions;

    public ITextTokenizer Tokenizer => _pipeline.Tokenizer;

    public long[] RenderPrompt(IReadOnlyList<ChatMessage> messages) =>
        _pipeline.Tokenize(_pipeline.ChatTemplate.Render(messages, addGenerationPrompt: true));

    public EncodedImage EncodeImage(RgbImage image, (string Reducer, ZipBudget Budget)? reduction) =>
        _pipeline.EncodeImage(image, new ImageEncodeOptions { Reducer = reduction is { } r ? VisualTokenReducers.Create(r.Reducer, r.Budget) : null });

    public KvCache CreateCache() => _pipeline.LanguageModel.CreateCache();

    public IAsyncEnumerable<GenerationStep> StreamAsync(IReadOnlyList<long> newIds, IReadOnlyList<EncodedImage> newImages,
        IReadOnlyList<int> allTextIds, GenerationOptions options, KvCache cache, CancellationToken cancellationToken) =>
        _pipeline.StreamAsync(newIds, newImages, options, cache, cancellationToken, textIdsSeen: allTextIds);

    public void Dispose()
    {
        if (_owned)
        {
            _pipeline.Dispose();
        }
    }
}
