using VisionZip.Models.Imaging;
using VisionZip.Models.Checkpoints;
using VisionZip.Models.Vision;
using static TorchSharp.torch;

namespace VisionZip.Models.Llava;

/// <summary>
/// LLaVA-NeXT ('anyres'): the photo split into a base image and crops (<see cref="AnyResProcessor"/>), every tile through
/// the one tile path, then packed into one sequence: vanilla = transformers <c>pack_image_features</c> (unpad +
/// <c>image_newline</c>); VisionZip = every tile zipped on its own with the same budget, in the official release's order
/// (<see cref="AnyResLayout.Zipped"/>); any other reducer = each tile's reduced tokens in order, base image first, then the
/// crops row by row, without newline rows (the simple layout of per-tile pooling baselines).
/// </summary>
/// <remarks>Owns <see cref="ImageNewline"/>; thread-safe.</remarks>
internal sealed class AnyResImageLayout(AnyResProcessor processor, Tensor imageNewline, TileEncoder encoder) : IImageLayout, IDisposable
{
    public string Name => "anyres";

    /// <summary>Builds the layout for a loaded model's parts: the anyres processor and the <c>image_newline</c> row.</summary>
    /// <exception cref="InvalidDataException"><c>image_newline</c> is missing or not <c>[projector output width]</c>, or the
    /// processor's crop size differs from the tower's image size.</exception>
    internal static AnyResImageLayout Load(CheckpointDirectory files, LlavaTensorNames names, TileEncoder tiles, LlavaMultiModalProjector projector)
    {
        var processor = AnyResProcessor.Load(files);
        if (processor.TileSize != tiles.Tower.Config.ImageSize)
        {
            throw new InvalidDataException(
                $"{files.Path}: preprocessor crop_size {processor.TileSize} differs from the vision image_size {tiles.Tower.Config.ImageSize}");
        }

        var newline = LlavaImageNewline.Read(files, names, projector.OutputSize, tiles.TextType, tiles.Device);
        return new AnyResImageLayout(processor, newline.DetachFromDisposeScope(), tiles);
    }

    public int TileSize => encoder.Tower.Config.ImageSize;

    public AnyResProcessor Processor => processor;

    /// <summary>The learned <c>image_newline</c> row <c>[D]</c> in the language model's dtype and device.</summary>
    public Tensor ImageNewline => imageNewline;

    /// <summary>g = vision <c>image_size / patch_size</c>: tokens per side of every tile.</summary>
    public int TokensPerSide => encoder.Tower.Config.ImageSize / encoder.Tower.Config.PatchSize;

    public EncodedImage Encode(RgbImage image, ImageEncodeOptions options)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(options);
        encoder.TokensPerTile(options.Reducer);
        var clock = new DeviceClock(encoder.Device);
        using var scope = NewDisposeScope();
        var split = processor.Split(image);
        var pixels = processor.ToPixelValues(split)[0];                                    // [n, 3, S, S] float32
        var preprocess = clock.Lap();
        return Finish(pixels, split.Grid, split.OriginalSize, options, clock, preprocess);
    }

    public EncodedImage EncodePixels(Tensor pixelValues, (int Height, int Width)? imageSize, ImageEncodeOptions options)
    {
        ArgumentNullException.ThrowIfNull(pixelValues);
        ArgumentNullException.ThrowIfNull(options);
        if (imageSize is not { } size)
        {
            throw new ArgumentException("anyres pixels need the photo's (height, width) (image_sizes): it picks the crop grid and the unpadding", nameof(imageSize));
        }

        encoder.TokensPerTile(options.Reducer);
        var best = AnyResProcessor.SelectBestResolution(size, processor.Pinpoints);
        var grid = (best.Height / processor.TileSize, best.Width / processor.TileSize);
        using var scope = NewDisposeScope();
        var pixels = pixelValues.ndim == 5 && pixelValues.shape[0] == 1 ? pixelValues[0] : pixelValues;
        return Finish(pixels, grid, size, options, new DeviceClock(encoder.Device), TimeSpan.Zero);
    }

    public IReadOnlyList<RgbImage> TileImages(RgbImage image, ImageMode mode) => processor.Split(image).Images;

    public void Dispose() => imageNewline.Dispose();

    private EncodedImage Finish(Tensor pixels, (int Rows, int Cols) grid, (int Height, int Width) imageSize, ImageEncodeOptions options,
        DeviceClock clock, TimeSpan preprocess)
    {
        int tiles = 1 + grid.Rows * grid.Cols;
        int s = TileSize;
        if (pixels.ndim != 4 || pixels.shape[0] != tiles || pixels.shape[2] != s || pixels.shape[3] != s)
        {
            throw new ArgumentException(
                $"pixel_values has shape [{string.Join(", ", pixels.shape)}], expected [{tiles}, 3, {s}, {s}] (base + {grid.Rows}x{grid.Cols} crops for image size {imageSize.Height}x{imageSize.Width})",
                nameof(pixels));
        }

        var vanillaRows = AnyResLayout.Vanilla(grid, TokensPerSide, imageSize);
        var encoded = encoder.Encode(pixels, options.Reducer, clock);
        IReadOnlyList<AnyResRow> rows = encoded.Reduction switch
        {
            null => vanillaRows,
            ZipResult zip => AnyResLayout.Zipped(grid, TokensPerSide, KeptRows(zip.KeptIndices), zip.Budget.Contextual, zip.HasCls),
            var other => [.. Enumerable.Range(0, tiles).SelectMany(t => Enumerable.Range(0, other.OutputTokens).Select(r => new AnyResRow(t, r)))],
        };
        Tensor? packed = null;
        var packTime = TimeSpan.Zero;
        if (encoded.Projected is { } projected)
        {
            packed = Pack(projected, rows);                                                 // [K, D]
            packTime = clock.Lap();
        }

        var stats = new ImageEncodingStats(vanillaRows.Count, rows.Count, preprocess, encoded.Vision, encoded.Reduce, encoded.Projector + packTime);
        return new EncodedImage(encoded.Features, packed, encoded.Reduction, options, stats,
            options.KeepPixels ? pixels.to(ScalarType.Float32).clone() : null, imageSize);
    }

    /// <summary>Gathers <paramref name="rows"/> from <c>[n, T, D]</c> per-tile rows and the newline.</summary>
    private Tensor Pack(Tensor perTile, IReadOnlyList<AnyResRow> rows)
    {
        using var scope = NewDisposeScope();
        long n = perTile.shape[0];
        long k = perTile.shape[1];
        var table = cat([perTile.reshape(n * k, perTile.shape[2]), imageNewline.to(perTile.dtype, perTile.device).unsqueeze(0)], 0);
        long[] index = [.. rows.Select(row => row.IsNewline ? n * k : row.Image * k + row.Row)];
        using var indexTensor = tensor(index, ScalarType.Int64, perTile.device);
        return table.index_select(0, indexTensor).MoveToOuterDisposeScope();
    }

    private static IReadOnlyList<IReadOnlyList<long>> KeptRows(Tensor keptIndices)
    {
        using var cpuKept = keptIndices.cpu();
        long[] flat = cpuKept.data<long>().ToArray();
        int rows = (int)keptIndices.shape[0];
        int dominant = (int)keptIndices.shape[1];
        return [.. Enumerable.Range(0, rows).Select(r => (IReadOnlyList<long>)flat[(r * dominant)..((r + 1) * dominant)])];
    }
}
