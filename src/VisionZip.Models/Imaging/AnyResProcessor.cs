using VisionZip.Models.Checkpoints;
using VisionZip.Models.Errors;
using static TorchSharp.torch;

namespace VisionZip.Models.Imaging;

/// <summary>
/// The slow transformers <c>LlavaNextImageProcessor</c> ('anyres'): pick the best pinpoint resolution, resize the
/// photo into it keeping its aspect ratio, pad with black, cut row-major tiles, and put the whole photo squashed
/// to the tile size in front; every image then goes through the CLIP steps.
/// </summary>
/// <remarks>Stateless after construction; thread-safe. Returned tensors belong to the caller's dispose scope.</remarks>
public sealed class AnyResProcessor
{
    /// <summary>Creates the processor from a LLaVA-NeXT processor config (its <c>image_grid_pinpoints</c> are required).</summary>
    /// <param name="config">The processor configuration.</param>
    /// <param name="limits">Bounds on pinpoint sizes and tile counts; <see cref="ResourceLimits.Default"/> when null.</param>
    /// <exception cref="ArgumentException">No pinpoints, or a pinpoint that is not a multiple of the tile size.</exception>
    /// <exception cref="ResourceLimitException">A pinpoint has more pixels or tiles than <paramref name="limits"/> allow.</exception>
    public AnyResProcessor(ImageProcessorConfig config, ResourceLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        limits ??= ResourceLimits.Default;
        if (config.ImageGridPinpoints is not { Count: > 0 } pinpoints)
        {
            throw new ArgumentException($"{nameof(config)}: image_grid_pinpoints are required for anyres ({config.ImageProcessorType})", nameof(config));
        }

        Config = config;
        // get_image_patches: size = (shortest_edge, shortest_edge), patch_size = crop_size["height"].
        BaseSize = config.Size.ShortestEdge ?? Math.Min(config.Size.Height!.Value, config.Size.Width!.Value);
        TileSize = config.CropSize?.Height ?? BaseSize;
        if (BaseSize < 1 || TileSize < 1)
        {
            throw new ArgumentException($"{nameof(config)}: size {config.Size} and crop_size {config.CropSize} must be positive", nameof(config));
        }

        foreach (var (height, width) in pinpoints)
        {
            if (height < 1 || width < 1)
            {
                throw new ArgumentException($"{nameof(config)}: image_grid_pinpoints entry ({height}, {width}) is not a positive size", nameof(config));
            }

            string setting = $"{nameof(ResourceLimits)}.{nameof(ResourceLimits.MaxImagePixels)}";
            if ((long)height * width > limits.MaxImagePixels)
            {
                throw new ResourceLimitException($"preprocessor config ({config.ImageProcessorType})",
                    $"image_grid_pinpoints entry ({height}, {width}) in pixels", (long)height * width, limits.MaxImagePixels, setting);
            }

            long tiles = 1 + ((long)height / TileSize) * (width / TileSize);
            if (tiles > limits.MaxImageTiles)
            {
                throw new ResourceLimitException($"preprocessor config ({config.ImageProcessorType})",
                    $"tiles per image for image_grid_pinpoints entry ({height}, {width}) with tile size {TileSize}", tiles, limits.MaxImageTiles,
                    $"{nameof(ResourceLimits)}.{nameof(ResourceLimits.MaxImageTiles)}", "the base image included");
            }

            if (height % TileSize != 0 || width % TileSize != 0)
            {
                throw new ArgumentException(
                    $"{nameof(config)}: image_grid_pinpoints entry ({height}, {width}) is not a multiple of the tile size {TileSize}", nameof(config));
            }
        }

        Pinpoints = pinpoints;
        TileProcessor = new ImageProcessor(config, ImageMode.Crop, limits);
    }

    /// <summary>Loads <c>preprocessor_config.json</c> (and <c>config.json</c> for missing pinpoints) from a checkpoint directory.</summary>
    /// <exception cref="FileNotFoundException">No <c>preprocessor_config.json</c> there.</exception>
    /// <exception cref="InvalidDataException">The file is malformed.</exception>
    /// <exception cref="CheckpointException">The pinpoints or sizes are inconsistent.</exception>
    /// <exception cref="ResourceLimitException">A pinpoint is over the limits.</exception>
    public static AnyResProcessor Load(string directory, ResourceLimits? limits = null)
    {
        var config = ImageProcessorConfig.Load(directory);
        try
        {
            return new AnyResProcessor(config, limits);
        }
        catch (ArgumentException e)
        {
            throw ImageProcessor.ConfigError(directory, e);
        }
    }

    /// <summary>Loads the anyres processor from an opened checkpoint directory (each file parsed once per directory).</summary>
    /// <exception cref="FileNotFoundException">No <c>preprocessor_config.json</c> there.</exception>
    /// <exception cref="InvalidDataException">The file is malformed.</exception>
    /// <exception cref="CheckpointException">The pinpoints or sizes are inconsistent.</exception>
    /// <exception cref="ResourceLimitException">A pinpoint is over the limits.</exception>
    public static AnyResProcessor Load(CheckpointDirectory directory, ResourceLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(directory);
        var config = ImageProcessorConfig.Load(directory);
        try
        {
            return new AnyResProcessor(config, limits);
        }
        catch (ArgumentException e)
        {
            throw ImageProcessor.ConfigError(directory.Path, e);
        }
    }

    /// <summary>The processor configuration.</summary>
    public ImageProcessorConfig Config { get; }

    /// <summary><c>image_grid_pinpoints</c> as (height, width).</summary>
    public IReadOnlyList<(int Height, int Width)> Pinpoints { get; }

    /// <summary>Side of the base image (<c>size["shortest_edge"]</c>).</summary>
    public int BaseSize { get; }

    /// <summary>Side of each crop (<c>crop_size["height"]</c>).</summary>
    public int TileSize { get; }

    /// <summary>The CLIP processor every image (base and crops) goes through.</summary>
    public ImageProcessor TileProcessor { get; }

    /// <summary>
    /// transformers <c>select_best_resolution</c>: for each (h, w) <c>scale = min(w / W, h / H)</c>, effective =
    /// <c>min(int(W * scale) * int(H * scale), W * H)</c>, wasted = <c>h * w - effective</c>; the largest effective
    /// wins, then the smallest wasted; on an exact tie the earlier entry stays.
    /// </summary>
    public static (int Height, int Width) SelectBestResolution((int Height, int Width) imageSize, IReadOnlyList<(int Height, int Width)> pinpoints)
    {
        ArgumentNullException.ThrowIfNull(pinpoints);
        ArgumentOutOfRangeException.ThrowIfLessThan(imageSize.Height, 1, nameof(imageSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(imageSize.Width, 1, nameof(imageSize));
        if (pinpoints.Count == 0)
        {
            throw new ArgumentException($"{nameof(pinpoints)}: empty", nameof(pinpoints));
        }

        (int Height, int Width) best = pinpoints[0];
        long bestEffective = 0;
        long leastWasted = long.MaxValue;
        foreach (var (height, width) in pinpoints)
        {
            double scale = Math.Min(width / (double)imageSize.Width, height / (double)imageSize.Height);
            long downscaledWidth = (long)(imageSize.Width * scale);
            long downscaledHeight = (long)(imageSize.Height * scale);
            long effective = Math.Min(downscaledWidth * downscaledHeight, (long)imageSize.Width * imageSize.Height);
            long wasted = (long)height * width - effective;
            if (effective > bestEffective || (effective == bestEffective && wasted < leastWasted))
            {
                bestEffective = effective;
                leastWasted = wasted;
                best = (height, width);
            }
        }

        return best;
    }

    /// <summary>
    /// transformers <c>get_patch_output_size</c>: fit inside <paramref name="target"/> keeping the aspect ratio; the
    /// limiting side takes the target's size, the other <c>min(ceil(side * scale), target side)</c>.
    /// </summary>
    public static (int Height, int Width) GetPatchOutputSize((int Height, int Width) imageSize, (int Height, int Width) target)
    {
        double scaleWidth = target.Width / (double)imageSize.Width;
        double scaleHeight = target.Height / (double)imageSize.Height;
        return scaleWidth < scaleHeight
            ? (Math.Min((int)Math.Ceiling(imageSize.Height * scaleWidth), target.Height), target.Width)
            : (target.Height, Math.Min((int)Math.Ceiling(imageSize.Width * scaleHeight), target.Width));
    }

    /// <summary>Splits a photo into the base image and the crops, keeping every intermediate image.</summary>
    public AnyResImage Split(RgbImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        var best = SelectBestResolution((image.Height, image.Width), Pinpoints);
        var (height, width) = GetPatchOutputSize((image.Height, image.Width), best);
        var resized = PillowResize.Resize(image, width, height, Config.Resample);
        // _pad_for_patching: floor(diff / 2) before, the odd pixel after.
        var padded = ImageOps.Pad(resized, best.Width, best.Height, (best.Width - width) / 2, (best.Height - height) / 2, (0, 0, 0));
        var baseImage = PillowResize.Resize(image, BaseSize, BaseSize, Config.Resample);
        var images = new List<RgbImage> { TileProcessor.Prepare(baseImage) };
        images.AddRange(ImageOps.Tiles(padded, TileSize, TileSize).Select(tile => TileProcessor.Prepare(tile)));
        return new AnyResImage
        {
            OriginalSize = (image.Height, image.Width),
            BestResolution = best,
            Grid = (best.Height / TileSize, best.Width / TileSize),
            BaseImage = baseImage,
            ResizedImage = resized,
            PaddedImage = padded,
            Images = images,
        };
    }

    /// <summary>The <c>pixel_values</c> of a split photo: float32 <c>[1, 1 + rows * cols, 3, S, S]</c>, base first.</summary>
    /// <exception cref="ArgumentException">The images of <paramref name="split"/> do not share one size.</exception>
    public Tensor ToPixelValues(AnyResImage split)
    {
        ArgumentNullException.ThrowIfNull(split);
        var first = split.Images[0];
        if (split.Images.Any(i => i.Width != first.Width || i.Height != first.Height))
        {
            throw new ArgumentException(
                $"{nameof(split)}: images of different sizes ({string.Join(", ", split.Images.Select(i => $"{i.Width}x{i.Height}").Distinct())})", nameof(split));
        }

        return TileProcessor.ToPixelValues(split.Images, [1, split.Images.Count, RgbImage.Channels, first.Height, first.Width]);
    }

    /// <summary>Split and <see cref="ToPixelValues"/> in one step: float32 <c>[1, 1 + rows * cols, 3, S, S]</c>.</summary>
    public Tensor Preprocess(RgbImage image) => ToPixelValues(Split(image));

    /// <summary><c>image_sizes</c> as LlavaNextImageProcessor returns it: int64 <c>[1, 2]</c> = [[height, width]].</summary>
    public static Tensor ImageSizes(AnyResImage split)
    {
        ArgumentNullException.ThrowIfNull(split);
        return tensor(new long[] { split.OriginalSize.Height, split.OriginalSize.Width }, [1, 2], dtype: ScalarType.Int64);
    }
}
