namespace VisionZip.Models.Imaging;

/// <summary>
/// The fields of a Hugging Face <c>preprocessor_config.json</c> for CLIP, SigLIP, LLaVA and LLaVA-NeXT image
/// processors, with transformers' class defaults applied to absent fields (see <see cref="ForKind"/>).
/// Property names are the JSON names in PascalCase.
/// </summary>
public sealed record ImageProcessorConfig
{
    /// <summary>OpenAI CLIP mean (transformers <c>OPENAI_CLIP_MEAN</c>).</summary>
    public static readonly IReadOnlyList<double> OpenAiClipMean = [0.48145466, 0.4578275, 0.40821073];

    /// <summary>OpenAI CLIP std (transformers <c>OPENAI_CLIP_STD</c>).</summary>
    public static readonly IReadOnlyList<double> OpenAiClipStd = [0.26862954, 0.26130258, 0.27577711];

    /// <summary>transformers <c>IMAGENET_STANDARD_MEAN</c> = <c>IMAGENET_STANDARD_STD</c> = 0.5 (SigLIP).</summary>
    public static readonly IReadOnlyList<double> ImageNetStandardHalf = [0.5, 0.5, 0.5];

    /// <summary>transformers' <c>LlavaNextImageProcessor</c> default <c>image_grid_pinpoints</c> (height, width).</summary>
    public static readonly IReadOnlyList<(int Height, int Width)> DefaultGridPinpoints = Checkpoints.LlavaDefaults.ImageGridPinpoints;

    /// <summary>The class name as written in the file (<c>image_processor_type</c>, or derived from <c>feature_extractor_type</c>).</summary>
    public required string ImageProcessorType { get; init; }

    /// <summary>Which processing the class does.</summary>
    public required ImageProcessorKind Kind { get; init; }

    /// <summary><c>do_resize</c>.</summary>
    public bool DoResize { get; init; } = true;

    /// <summary><c>size</c>: shortest edge (CLIP-like) or exact height x width (SigLIP).</summary>
    public required ProcessorSize Size { get; init; }

    /// <summary><c>resample</c> (Pillow filter number; 3 = BICUBIC).</summary>
    public PillowResample Resample { get; init; } = PillowResample.Bicubic;

    /// <summary><c>do_center_crop</c> (always false for SigLIP, which has no crop step).</summary>
    public bool DoCenterCrop { get; init; }

    /// <summary><c>crop_size</c> as height x width; null when the class has none.</summary>
    public ProcessorSize? CropSize { get; init; }

    /// <summary><c>do_rescale</c>.</summary>
    public bool DoRescale { get; init; } = true;

    /// <summary><c>rescale_factor</c> (default 1/255), applied in float64 then cast to float32, as transformers does.</summary>
    public double RescaleFactor { get; init; } = 1.0 / 255.0;

    /// <summary><c>do_normalize</c>.</summary>
    public bool DoNormalize { get; init; } = true;

    /// <summary><c>image_mean</c>, per channel (R, G, B); cast to float32 when normalising.</summary>
    public required IReadOnlyList<double> ImageMean { get; init; }

    /// <summary><c>image_std</c>, per channel (R, G, B); cast to float32 when normalising.</summary>
    public required IReadOnlyList<double> ImageStd { get; init; }

    /// <summary>
    /// <c>do_convert_rgb</c>. Informational: <see cref="ImageDecoder"/> always yields RGB, which is what the
    /// conversion produces (a JSON null means false, as in Python).
    /// </summary>
    public bool DoConvertRgb { get; init; } = true;

    /// <summary><c>do_pad</c> of <c>LlavaImageProcessor</c>: pad to a square with the mean colour before resizing (LLaVA 'pad').</summary>
    public bool DoPad { get; init; }

    /// <summary><c>image_grid_pinpoints</c> (height, width) of LLaVA-NeXT; null for other classes.</summary>
    public IReadOnlyList<(int Height, int Width)>? ImageGridPinpoints { get; init; }

    /// <summary>The transformers <c>__init__</c> defaults of a class, i.e. what an empty JSON object gives.</summary>
    public static ImageProcessorConfig ForKind(ImageProcessorKind kind) => kind switch
    {
        ImageProcessorKind.Siglip => new ImageProcessorConfig
        {
            ImageProcessorType = "SiglipImageProcessor",
            Kind = kind,
            Size = ProcessorSize.Exact(224, 224),
            ImageMean = ImageNetStandardHalf,
            ImageStd = ImageNetStandardHalf,
            // SiglipImageProcessor(do_convert_rgb=None): no conversion unless asked.
            DoConvertRgb = false,
        },
        _ => new ImageProcessorConfig
        {
            ImageProcessorType = kind switch
            {
                ImageProcessorKind.Llava => "LlavaImageProcessor",
                ImageProcessorKind.LlavaNext => "LlavaNextImageProcessor",
                _ => "CLIPImageProcessor",
            },
            Kind = kind,
            Size = ProcessorSize.ShortestEdgeOf(224),
            DoCenterCrop = true,
            CropSize = ProcessorSize.Exact(224, 224),
            ImageMean = OpenAiClipMean,
            ImageStd = OpenAiClipStd,
            ImageGridPinpoints = kind == ImageProcessorKind.LlavaNext ? DefaultGridPinpoints : null,
        },
    };

    /// <summary>
    /// Reads <c>preprocessor_config.json</c> from a checkpoint directory (or the file itself). For LLaVA-NeXT,
    /// <c>image_grid_pinpoints</c> missing there are taken from <c>config.json</c> next to it, else the default.
    /// </summary>
    /// <exception cref="FileNotFoundException">No <c>preprocessor_config.json</c> there.</exception>
    /// <exception cref="InvalidDataException">The JSON is malformed, a field has a wrong type or value, or the class is not supported; the message names the file and field.</exception>
    public static ImageProcessorConfig Load(string directoryOrFile) => ImageProcessorConfigReader.Load(directoryOrFile);

    /// <summary>
    /// Reads <c>preprocessor_config.json</c> (and, for LLaVA-NeXT pinpoints, <c>config.json</c>) of an opened checkpoint
    /// directory; each file is parsed once per directory. Otherwise as <see cref="Load(string)"/>.
    /// </summary>
    /// <exception cref="FileNotFoundException">No <c>preprocessor_config.json</c> there.</exception>
    /// <exception cref="InvalidDataException">The JSON is malformed, a field has a wrong type or value, or the class is not supported.</exception>
    public static ImageProcessorConfig Load(Checkpoints.CheckpointDirectory directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        return ImageProcessorConfigReader.Load(directory);
    }

    /// <summary>
    /// Parses the text of a <c>preprocessor_config.json</c>; <paramref name="modelConfigJson"/> is the optional
    /// <c>config.json</c> text (for LLaVA-NeXT pinpoints); <paramref name="source"/> names the file in errors.
    /// </summary>
    /// <exception cref="InvalidDataException">As <see cref="Load(string)"/>.</exception>
    public static ImageProcessorConfig Parse(string json, string source, string? modelConfigJson = null) =>
        ImageProcessorConfigReader.Parse(json, source, modelConfigJson);
}
