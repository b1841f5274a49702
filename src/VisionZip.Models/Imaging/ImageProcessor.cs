using VisionZip.Models.Checkpoints;
using VisionZip.Models.Errors;
using static TorchSharp.torch;

namespace VisionZip.Models.Imaging;

/// <summary>
/// The slow transformers <c>CLIPImageProcessor</c> / <c>SiglipImageProcessor</c> / <c>LlavaImageProcessor</c>
/// pipeline, bit-exact: [pad to square] → Pillow resize → center crop → <c>float32(float64(u8) * rescale_factor)</c>
/// → <c>(x - mean) / std</c> in float32 → CHW.
/// </summary>
/// <remarks>Stateless after construction; thread-safe. Returned tensors belong to the caller's dispose scope.</remarks>
public sealed class ImageProcessor
{
    private readonly float[][] _lookup;

    /// <summary>Creates a processor; <paramref name="defaultMode"/> is what <see cref="ImageMode.Default"/> means for it.</summary>
    /// <param name="config">The processor configuration.</param>
    /// <param name="defaultMode">What <see cref="ImageMode.Default"/> resolves to; the checkpoint's choice when Default.</param>
    /// <param name="limits">Bounds on every image size derived from the input; <see cref="ResourceLimits.Default"/> when null.</param>
    /// <exception cref="ArgumentException">The config is inconsistent (mean/std not 3 values, a zero std, crop without a size).</exception>
    /// <exception cref="ResourceLimitException">The config's resize or crop size is over <see cref="ResourceLimits.MaxImagePixels"/>.</exception>
    public ImageProcessor(ImageProcessorConfig config, ImageMode defaultMode = ImageMode.Default, ResourceLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        Limits = limits ?? ResourceLimits.Default;
        if (config.ImageMean.Count != RgbImage.Channels || config.ImageStd.Count != RgbImage.Channels)
        {
            throw new ArgumentException(
                $"{nameof(config)}: image_mean and image_std need 3 values, got {config.ImageMean.Count} and {config.ImageStd.Count}", nameof(config));
        }

        if (config.DoNormalize && config.ImageStd.Any(s => (float)s == 0f))
        {
            throw new ArgumentException($"{nameof(config)}: image_std has a zero: [{string.Join(", ", config.ImageStd)}]", nameof(config));
        }

        if (config.DoCenterCrop && config.CropSize is not { IsExact: true })
        {
            throw new ArgumentException($"{nameof(config)}: do_center_crop is set but crop_size is {config.CropSize?.ToString() ?? "missing"}", nameof(config));
        }

        CheckConfigSize(config.Size, "size", config.ImageProcessorType, Limits);
        if (config.CropSize is { } cropSize)
        {
            CheckConfigSize(cropSize, "crop_size", config.ImageProcessorType, Limits);
        }

        Config = config;
        DefaultMode = defaultMode != ImageMode.Default ? defaultMode
            : config.Kind == ImageProcessorKind.Llava && config.DoPad ? ImageMode.Pad
            : ImageMode.Crop;
        _lookup = BuildLookup(config);
    }

    /// <summary>Loads <c>preprocessor_config.json</c> from a checkpoint directory.</summary>
    /// <exception cref="FileNotFoundException">No <c>preprocessor_config.json</c> there.</exception>
    /// <exception cref="InvalidDataException">The file is malformed (see <see cref="ImageProcessorConfig.Load(string)"/>).</exception>
    /// <exception cref="CheckpointException">The values are inconsistent (mean/std not 3 values, a zero std, crop without a size).</exception>
    /// <exception cref="ResourceLimitException">The resize or crop size is over <see cref="ResourceLimits.MaxImagePixels"/>.</exception>
    public static ImageProcessor Load(string directory, ImageMode defaultMode = ImageMode.Default, ResourceLimits? limits = null)
    {
        var config = ImageProcessorConfig.Load(directory);
        try
        {
            return new ImageProcessor(config, defaultMode, limits);
        }
        catch (ArgumentException e)
        {
            throw ConfigError(directory, e);
        }
    }

    /// <summary>Loads <c>preprocessor_config.json</c> from an opened checkpoint directory (parsed once per directory).</summary>
    /// <exception cref="FileNotFoundException">No <c>preprocessor_config.json</c> there.</exception>
    /// <exception cref="InvalidDataException">The file is malformed.</exception>
    /// <exception cref="CheckpointException">The values are inconsistent (mean/std not 3 values, a zero std, crop without a size).</exception>
    /// <exception cref="ResourceLimitException">The resize or crop size is over <see cref="ResourceLimits.MaxImagePixels"/>.</exception>
    public static ImageProcessor Load(CheckpointDirectory directory, ImageMode defaultMode = ImageMode.Default, ResourceLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(directory);
        var config = ImageProcessorConfig.Load(directory);
        try
        {
            return new ImageProcessor(config, defaultMode, limits);
        }
        catch (ArgumentException e)
        {
            throw ConfigError(directory.Path, e);
        }
    }

    /// <summary>A constructor's complaint about a config read from <paramref name="directoryOrFile"/>, as a checkpoint error naming the file.</summary>
    internal static CheckpointException ConfigError(string directoryOrFile, ArgumentException error)
    {
        string file = Directory.Exists(directoryOrFile) ? Path.Combine(Path.GetFullPath(directoryOrFile), "preprocessor_config.json") : directoryOrFile;
        string problem = error.Message.Replace($" (Parameter '{error.ParamName}')", "", StringComparison.Ordinal);
        problem = problem.StartsWith("config: ", StringComparison.Ordinal) ? problem["config: ".Length..] : problem;
        return new CheckpointException(file, $"{file}: {problem}", inner: error);
    }

    /// <summary>The processor configuration.</summary>
    public ImageProcessorConfig Config { get; }

    /// <summary>The bounds every derived image size is checked against before it is allocated.</summary>
    public ResourceLimits Limits { get; }

    /// <summary>
    /// The (height, width) every image comes out at whatever its size (the crop size, or an exact resize without
    /// crop), or null when it depends on the image (shortest-edge resize without crop).
    /// </summary>
    public (int Height, int Width)? FixedOutputSize =>
        Config.DoCenterCrop ? (Config.CropSize!.Value.Height!.Value, Config.CropSize.Value.Width!.Value)
        : Config.DoResize && Config.Size.IsExact ? (Config.Size.Height!.Value, Config.Size.Width!.Value)
        : null;

    /// <summary>
    /// Checks at load that this processor produces the square <paramref name="imageSize"/> x <paramref name="imageSize"/>
    /// images the vision tower takes, so a mismatch is reported before any image is preprocessed.
    /// </summary>
    /// <param name="imageSize">The vision config's <c>image_size</c>.</param>
    /// <param name="source">The checkpoint directory, for the message.</param>
    /// <exception cref="CheckpointException">The processor's crop or resize size is another size.</exception>
    public void RequireOutputSize(int imageSize, string source)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (FixedOutputSize is { } size && (size.Height != imageSize || size.Width != imageSize))
        {
            string field = Config.DoCenterCrop ? "crop_size" : "size";
            throw new CheckpointException(source,
                $"{source}: preprocessor_config.json {field} is {size.Height}x{size.Width} but the vision config's image_size is " +
                $"{imageSize} (the vision tower takes {imageSize}x{imageSize} images); the two files must agree",
                field: field);
        }
    }
    /// <summary>What <see cref="ImageMode.Default"/> resolves to: <see cref="ImageMode.Crop"/> or <see cref="ImageMode.Pad"/>.</summary>
    public ImageMode DefaultMode { get; }

    /// <summary>
    /// transformers <c>get_resize_output_image_size</c> for an image of <paramref name="height"/> x <paramref name="width"/>:
    /// exact sizes as given; shortest edge → that edge = n, the other <c>int(n * long / short)</c> (truncated), unchanged
    /// when the short side already is n.
    /// </summary>
    public (int Height, int Width) GetResizeOutputSize(int height, int width)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        if (Config.Size.IsExact)
        {
            return (Config.Size.Height!.Value, Config.Size.Width!.Value);
        }

        int shortestEdge = Config.Size.ShortestEdge!.Value;
        bool portrait = width <= height;
        int shortSide = portrait ? width : height;
        int longSide = portrait ? height : width;
        if (shortSide == shortestEdge)
        {
            return (height, width);
        }

        long newLong = (long)((double)((long)shortestEdge * longSide) / shortSide);
        CheckPixels(portrait ? newLong : shortestEdge, portrait ? shortestEdge : newLong, height, width, "the resize target");
        return portrait ? ((int)newLong, shortestEdge) : (shortestEdge, (int)newLong);
    }

    /// <summary>
    /// The image right after the resize (for <see cref="ImageMode.Pad"/>: after padding to a square, then the resize),
    /// before the center crop: the fixtures' <c>*resized_uint8</c>.
    /// </summary>
    public RgbImage Resize(RgbImage image, ImageMode mode = ImageMode.Default)
    {
        ArgumentNullException.ThrowIfNull(image);
        CheckPixels(image.Height, image.Width, image.Height, image.Width, "the image");
        bool pad = Resolve(mode) == ImageMode.Pad;
        if (pad)
        {
            int side = Math.Max(image.Width, image.Height);
            CheckPixels(side, side, image.Height, image.Width, "the square padding ('pad' mode)");
        }

        var source = pad ? ImageOps.ExpandToSquare(image, PadColour()) : image;
        if (!Config.DoResize)
        {
            return source;
        }

        (int height, int width) = GetResizeOutputSize(source.Height, source.Width);
        return PillowResize.Resize(source, width, height, Config.Resample);
    }

    /// <summary>The final uint8 image the model sees (after resize and center crop), before rescale and normalise.</summary>
    public RgbImage Prepare(RgbImage image, ImageMode mode = ImageMode.Default)
    {
        var resized = Resize(image, mode);
        return Config.DoCenterCrop
            ? ImageOps.CenterCrop(resized, Config.CropSize!.Value.Height!.Value, Config.CropSize.Value.Width!.Value)
            : resized;
    }

    /// <summary>Preprocesses one image: <c>pixel_values</c> float32 <c>[1, 3, H, W]</c>.</summary>
    public Tensor Preprocess(RgbImage image, ImageMode mode = ImageMode.Default)
    {
        ArgumentNullException.ThrowIfNull(image);
        return Preprocess([image], mode);
    }

    /// <summary>Preprocesses a batch (several images or video frames): float32 <c>[n, 3, H, W]</c>.</summary>
    /// <exception cref="ArgumentException">The batch is empty, or the images end up with different sizes (possible only without a center crop).</exception>
    public Tensor Preprocess(IReadOnlyList<RgbImage> images, ImageMode mode = ImageMode.Default)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (images.Count == 0)
        {
            throw new ArgumentException($"{nameof(images)}: the batch is empty", nameof(images));
        }

        var prepared = new RgbImage[images.Count];
        for (int i = 0; i < images.Count; i++)
        {
            prepared[i] = Prepare(images[i] ?? throw new ArgumentNullException($"{nameof(images)}[{i}]"), mode);
            if (prepared[i].Width != prepared[0].Width || prepared[i].Height != prepared[0].Height)
            {
                throw new ArgumentException(
                    $"{nameof(images)}[{i}]: preprocessed to {prepared[i].Width}x{prepared[i].Height}, but image 0 to " +
                    $"{prepared[0].Width}x{prepared[0].Height}; a batch needs one size (set do_center_crop or an exact size)", nameof(images));
            }
        }

        return ToPixelValues(prepared, [prepared.Length, RgbImage.Channels, prepared[0].Height, prepared[0].Width]);
    }

    /// <summary>Rescales and normalises already prepared images of one size into a float32 tensor of <paramref name="shape"/>.</summary>
    internal Tensor ToPixelValues(IReadOnlyList<RgbImage> prepared, long[] shape)
    {
        int plane = prepared[0].Width * prepared[0].Height;
        var values = new float[(long)prepared.Count * RgbImage.Channels * plane];
        for (int i = 0; i < prepared.Count; i++)
        {
            WriteChannelsFirst(prepared[i], values.AsSpan(i * RgbImage.Channels * plane, RgbImage.Channels * plane));
        }

        return tensor(values, shape, dtype: ScalarType.Float32);
    }

    private void WriteChannelsFirst(RgbImage image, Span<float> destination)
    {
        byte[] pixels = image.Buffer;
        int plane = image.Width * image.Height;
        for (int channel = 0; channel < RgbImage.Channels; channel++)
        {
            float[] table = _lookup[channel];
            var output = destination.Slice(channel * plane, plane);
            for (int i = 0, from = channel; i < plane; i++, from += RgbImage.Channels)
            {
                output[i] = table[pixels[from]];
            }
        }
    }

    // LLaVA's 'pad' fill is the mean colour; a config whose mean is not a colour cannot pad.
    private (byte Red, byte Green, byte Blue) PadColour()
    {
        try
        {
            return ImageOps.MeanColour(Config.ImageMean);
        }
        catch (ArgumentException)
        {
            throw new CheckpointException("preprocessor_config.json",
                $"preprocessor config ({Config.ImageProcessorType}): 'pad' mode fills with the image_mean colour, which needs 3 values in [0, 1]; " +
                $"got [{string.Join(", ", Config.ImageMean)}]", field: "image_mean");
        }
    }

    // Every image size derived from the input is checked here before the buffer exists.
    private void CheckPixels(long height, long width, int imageHeight, int imageWidth, string what)
    {
        // A side past int.MaxValue cannot be allocated whatever the limit; count it as infinitely many pixels.
        long pixels = height > int.MaxValue || width > int.MaxValue ? long.MaxValue : height * width;
        if (pixels > Limits.MaxImagePixels)
        {
            throw new ResourceLimitException($"image {imageWidth}x{imageHeight}", $"{what} ({width}x{height}) in pixels", pixels,
                Limits.MaxImagePixels, $"{nameof(ResourceLimits)}.{nameof(ResourceLimits.MaxImagePixels)}",
                $"{Config.ImageProcessorType} with size {Config.Size}");
        }
    }

    private static void CheckConfigSize(ProcessorSize size, string field, string processorType, ResourceLimits limits)
    {
        long height = size.Height ?? size.ShortestEdge ?? 1;
        long width = size.Width ?? size.ShortestEdge ?? 1;
        if (height < 1 || width < 1)
        {
            throw new ArgumentException($"preprocessor config: {field} must be positive, got {size}", "config");
        }

        if (height * width > limits.MaxImagePixels)
        {
            throw new ResourceLimitException($"preprocessor config ({processorType})", $"{field} {size} in pixels", height * width,
                limits.MaxImagePixels, $"{nameof(ResourceLimits)}.{nameof(ResourceLimits.MaxImagePixels)}");
        }
    }

    private ImageMode Resolve(ImageMode mode) => mode == ImageMode.Default ? DefaultMode : mode;

    // The value of every byte per channel, computed exactly as transformers does: rescale in float64 then
    // cast to float32 (image_transforms.rescale), normalise in float32 with float32 mean/std (image_transforms.normalize).
    private static float[][] BuildLookup(ImageProcessorConfig config)
    {
        var lookup = new float[RgbImage.Channels][];
        for (int channel = 0; channel < RgbImage.Channels; channel++)
        {
            float mean = (float)config.ImageMean[channel];
            float std = (float)config.ImageStd[channel];
            lookup[channel] = new float[256];
            for (int level = 0; level < 256; level++)
            {
                float value = config.DoRescale ? (float)(level * config.RescaleFactor) : level;
                lookup[channel][level] = config.DoNormalize ? (value - mean) / std : value;
            }
        }

        return lookup;
    }
}
