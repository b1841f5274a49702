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
    /// <exception cref="ArgumentException">The config is inconsistent (mean/std not 3 values, a zero std, crop without a size).</exception>
    public ImageProcessor(ImageProcessorConfig config, ImageMode defaultMode = ImageMode.Default)
    {
        ArgumentNullException.ThrowIfNull(config);
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

        Config = config;
        DefaultMode = defaultMode != ImageMode.Default ? defaultMode
            : config.Kind == ImageProcessorKind.Llava && config.DoPad ? ImageMode.Pad
            : ImageMode.Crop;
        _lookup = BuildLookup(config);
    }

    /// <summary>Loads <c>preprocessor_config.json</c> from a checkpoint directory.</summary>
    /// <exception cref="FileNotFoundException">No <c>preprocessor_config.json</c> there.</exception>
    /// <exception cref="InvalidDataException">The file is malformed (see <see cref="ImageProcessorConfig.Load"/>).</exception>
    public static ImageProcessor Load(string directory, ImageMode defaultMode = ImageMode.Default) =>
        new(ImageProcessorConfig.Load(directory), defaultMode);

    /// <summary>The processor configuration.</summary>
    public ImageProcessorConfig Config { get; }

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

        int newLong = (int)((double)((long)shortestEdge * longSide) / shortSide);
        return portrait ? (newLong, shortestEdge) : (shortestEdge, newLong);
    }

    /// <summary>
    /// The image right after the resize (for <see cref="ImageMode.Pad"/>: after padding to a square, then the resize),
    /// before the center crop: the fixtures' <c>*resized_uint8</c>.
    /// </summary>
    public RgbImage Resize(RgbImage image, ImageMode mode = ImageMode.Default)
    {
        ArgumentNullException.ThrowIfNull(image);
        var source = Resolve(mode) == ImageMode.Pad
            ? ImageOps.ExpandToSquare(image, ImageOps.MeanColour(Config.ImageMean))
            : image;
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
