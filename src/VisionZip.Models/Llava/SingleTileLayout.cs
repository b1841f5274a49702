using VisionZip.Models.Imaging;
using static TorchSharp.torch;

namespace VisionZip.Models.Llava;

/// <summary>One square tile per photo (LLaVA-1.5 crop or pad, LLaVA-Interleave); its tokens are the prompt rows as they are.</summary>
internal sealed class SingleTileLayout(ImageProcessor processor, TileEncoder encoder) : IImageLayout
{
    public string Name => "single-tile";

    public int TileSize => encoder.Tower.Config.ImageSize;

    public ImageProcessor Processor => processor;

    public EncodedImage Encode(RgbImage image, ImageEncodeOptions options)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(options);
        encoder.TokensPerTile(options.Reducer);
        var clock = new DeviceClock(encoder.Device);
        using var scope = NewDisposeScope();
        var pixels = processor.Preprocess(image, options.Mode);                            // [1, 3, S, S] float32
        return Finish(pixels, options, clock, clock.Lap(), (image.Height, image.Width));
    }

    public EncodedImage EncodePixels(Tensor pixelValues, (int Height, int Width)? imageSize, ImageEncodeOptions options)
    {
        ArgumentNullException.ThrowIfNull(pixelValues);
        ArgumentNullException.ThrowIfNull(options);
        int s = TileSize;
        using var scope = NewDisposeScope();
        var pixels = pixelValues.ndim == 3 ? pixelValues.unsqueeze(0) : pixelValues;
        if (pixels.ndim != 4 || pixels.shape[0] != 1 || pixels.shape[2] != s || pixels.shape[3] != s)
        {
            throw new ArgumentException(
                $"pixel_values must be one image [1, 3, {s}, {s}] or [3, {s}, {s}], got [{string.Join(", ", pixelValues.shape)}]", nameof(pixelValues));
        }

        encoder.TokensPerTile(options.Reducer);
        return Finish(pixels, options, new DeviceClock(encoder.Device), TimeSpan.Zero, imageSize);
    }

    public IReadOnlyList<RgbImage> TileImages(RgbImage image, ImageMode mode) => [processor.Prepare(image, mode)];

    private EncodedImage Finish(Tensor pixels, ImageEncodeOptions options, DeviceClock clock, TimeSpan preprocess, (int, int)? size)
    {
        var tiles = encoder.Encode(pixels, options.Reducer, clock);
        var stats = new ImageEncodingStats(encoder.Tower.VanillaTokenCount, (int)tiles.Features.shape[1], preprocess, tiles.Vision,
            tiles.Reduce, tiles.Projector);
        return new EncodedImage(tiles.Features, tiles.Projected?[0], tiles.Reduction, options, stats,
            options.KeepPixels ? pixels.to(ScalarType.Float32).clone() : null, size);
    }
}
