using VisionZip.Models.IO;
using VisionZip.Models.Imaging;
using VisionZip.Models.Vision;
using static TorchSharp.torch;

namespace VisionZip.Models.Llava;

/// <summary>
/// LLaVA-NeXT ('anyres') image encoding: the photo split into a base image and crops (<see cref="AnyResProcessor"/>), every
/// image through the vision tower and projector, then packed into one sequence: vanilla = transformers
/// <c>pack_image_features</c> (unpad + <c>image_newline</c>); VisionZip = every image zipped on its own with the same
/// per-image budget, in the official release's order (see <see cref="AnyResLayout"/>).
/// </summary>
/// <remarks>Owns <see cref="ImageNewline"/>; the tower and projector belong to the pipeline. Encoding is synchronous and
/// uses thread-local dispose scopes.</remarks>
public sealed class LlavaNextImageEncoder : IDisposable
{
    private readonly VisionTower _tower;
    private readonly LlavaMultiModalProjector _projector;
    private readonly ScalarType _dtype;
    private readonly Device _device;
    private bool _disposed;

    private LlavaNextImageEncoder(AnyResProcessor processor, Tensor imageNewline, VisionTower tower, LlavaMultiModalProjector projector,
        ScalarType dtype, Device device)
    {
        Processor = processor;
        ImageNewline = imageNewline;
        _tower = tower;
        _projector = projector;
        _dtype = dtype;
        _device = device;
    }

    /// <summary>The anyres image processor (<c>preprocessor_config.json</c>).</summary>
    public AnyResProcessor Processor { get; }

    /// <summary>The learned <c>image_newline</c> row <c>[D]</c> in the language model's dtype and device.</summary>
    public Tensor ImageNewline { get; }

    /// <summary>g = vision <c>image_size / patch_size</c>: tokens per side of every base image and crop.</summary>
    public int TokensPerSide => _tower.Config.ImageSize / _tower.Config.PatchSize;

    /// <summary>Builds the encoder for a loaded pipeline's parts.</summary>
    /// <param name="directory">The checkpoint directory (<c>preprocessor_config.json</c>, weights with <c>image_newline</c>).</param>
    /// <param name="names">The checkpoint's tensor spelling.</param>
    /// <param name="tower">The vision tower.</param>
    /// <param name="projector">The projector.</param>
    /// <param name="dtype">The language model's dtype.</param>
    /// <param name="device">The language model's device.</param>
    /// <exception cref="InvalidDataException"><c>image_newline</c> is missing or is not <c>[projector output width]</c>.</exception>
    internal static LlavaNextImageEncoder Load(string directory, LlavaTensorNames names, VisionTower tower,
        LlavaMultiModalProjector projector, ScalarType dtype, Device device)
    {
        using var checkpoint = SafetensorsCheckpoint.Open(directory);
        if (names.ImageNewline is not { } newlineName)
        {
            throw new InvalidDataException(
                $"{checkpoint.Source}: a llava_next checkpoint needs '{LlavaTensorNames.Original.ImageNewline}' (or '{LlavaTensorNames.Nested.ImageNewline}'); it is missing");
        }

        var processor = AnyResProcessor.Load(directory);
        if (processor.TileSize != tower.Config.ImageSize)
        {
            throw new InvalidDataException(
                $"{directory}: preprocessor crop_size {processor.TileSize} differs from the vision image_size {tower.Config.ImageSize}");
        }

        var newline = checkpoint.ReadWeight(newlineName, dtype, device);
        if (newline.ndim != 1 || newline.shape[0] != projector.OutputSize)
        {
            long[] shape = newline.shape;
            newline.Dispose();
            throw new InvalidDataException(
                $"{checkpoint.Source}: '{newlineName}' has shape [{string.Join(", ", shape)}], expected [{projector.OutputSize}]");
        }

        return new LlavaNextImageEncoder(processor, newline.DetachFromDisposeScope(), tower, projector, dtype, device);
    }

    /// <summary>
    /// Splits and encodes a photo: vanilla (<paramref name="budget"/> null) gives the packed rows of
    /// <see cref="AnyResLayout.Vanilla"/>; VisionZip gives <c>(1 + rows * cols) * budget.Total</c> rows.
    /// </summary>
    /// <param name="image">The RGB photo.</param>
    /// <param name="budget">VisionZip dominant + contextual tokens per image (base and every crop); null = vanilla.</param>
    /// <returns>The visual tokens; <see cref="EncodedImage.ImageFeatures"/> holds every image's tokens before the projector
    /// <c>[1 + rows * cols, K_i, Dv]</c>. The caller disposes it.</returns>
    /// <exception cref="ArgumentException">The budget does not fit the tower's tokens.</exception>
    public EncodedImage Encode(RgbImage image, ZipBudget? budget = null)
    {
        ArgumentNullException.ThrowIfNull(image);
        return EncodeCore(image, budget, new DeviceClock(_device));
    }

    /// <summary>Encodes already preprocessed anyres pixels (no preprocessing; otherwise as <see cref="Encode"/>).</summary>
    /// <param name="pixelValues"><c>[1, 1 + rows * cols, 3, S, S]</c> or <c>[1 + rows * cols, 3, S, S]</c>, base image first.</param>
    /// <param name="imageSize">The photo's (height, width) (<c>image_sizes</c>): picks the grid and the unpadding.</param>
    /// <param name="budget">VisionZip dominant + contextual tokens per image; null = vanilla.</param>
    /// <exception cref="ArgumentException">The pixel count of images does not match the grid of <paramref name="imageSize"/>.</exception>
    public EncodedImage EncodePixels(Tensor pixelValues, (int Height, int Width) imageSize, ZipBudget? budget = null)
    {
        ArgumentNullException.ThrowIfNull(pixelValues);
        ObjectDisposedException.ThrowIf(_disposed, this);
        var best = AnyResProcessor.SelectBestResolution(imageSize, Processor.Pinpoints);
        var grid = (best.Height / Processor.TileSize, best.Width / Processor.TileSize);
        using var scope = NewDisposeScope();
        var pixels = pixelValues.ndim == 5 && pixelValues.shape[0] == 1 ? pixelValues[0] : pixelValues;
        return EncodeCore(pixels, grid, imageSize, budget, new DeviceClock(_device), TimeSpan.Zero);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        ImageNewline.Dispose();
    }

    internal EncodedImage EncodeCore(RgbImage image, ZipBudget? budget, DeviceClock clock)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        using var scope = NewDisposeScope();
        var split = Processor.Split(image);
        var pixels = Processor.ToPixelValues(split)[0];                          // [n, 3, S, S] float32
        var preprocess = clock.Lap();
        return EncodeCore(pixels, split.Grid, split.OriginalSize, budget, clock, preprocess);
    }

    private EncodedImage EncodeCore(Tensor pixelValues, (int Rows, int Cols) grid, (int Height, int Width) imageSize, ZipBudget? budget,
        DeviceClock clock, TimeSpan preprocess)
    {
        int images = 1 + grid.Rows * grid.Cols;
        int s = _tower.Config.ImageSize;
        if (pixelValues.ndim != 4 || pixelValues.shape[0] != images || pixelValues.shape[2] != s || pixelValues.shape[3] != s)
        {
            throw new ArgumentException(
                $"pixel_values has shape [{string.Join(", ", pixelValues.shape)}], expected [{images}, 3, {s}, {s}] (base + {grid.Rows}x{grid.Cols} crops for image size {imageSize.Height}x{imageSize.Width})",
                nameof(pixelValues));
        }

        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var pixels = pixelValues.to(_tower.DType, _tower.Device);
        var vanillaLayout = AnyResLayout.Vanilla(grid, TokensPerSide, imageSize);
        clock.Lap();
        if (budget is not { } zipBudget)
        {
            var features = _tower.EncodeVanilla(pixels);                                   // [n, g*g, Dv]
            var vision = clock.Lap();
            var projected = _projector.call(features).to(_dtype, _device);                 // [n, g*g, D]
            var packed = Pack(projected, vanillaLayout);                                   // [K, D]
            var projectorTime = clock.Lap();
            var stats = new ImageEncodingStats(vanillaLayout.Count, vanillaLayout.Count, preprocess, vision, TimeSpan.Zero, projectorTime);
            return new EncodedImage(features, packed, zip: null, budget: null, ImageMode.Default, stats);
        }

        TimeSpan visionTime = TimeSpan.Zero;
        var zip = (ZipResult)_tower.EncodeReduced(pixels, new VisionZipReducer(zipBudget), stage =>
        {
            if (stage == VisionStage.Encoder)
            {
                visionTime = clock.Lap();
            }
        });

        var kept = KeptRows(zip.KeptIndices);
        var layout = AnyResLayout.Zipped(grid, TokensPerSide, kept, zipBudget.Contextual, zip.HasCls);
        var zipTime = clock.Lap();
        var zipped = _projector.call(zip.Tokens).to(_dtype, _device);                     // [n, d + c, D]
        var sequence = Pack(zipped, layout);                                               // [n * (d + c), D]
        var projectTime = clock.Lap();
        var zipStats = new ImageEncodingStats(vanillaLayout.Count, layout.Count, preprocess, visionTime, zipTime, projectTime);
        return new EncodedImage(zip.Tokens.narrow(0, 0, images), sequence, zip, zipBudget, ImageMode.Default, zipStats);
    }

    /// <summary>Gathers the rows of <paramref name="layout"/> from <c>[n, K_i, D]</c> per-image rows and the newline.</summary>
    private Tensor Pack(Tensor perImage, IReadOnlyList<AnyResRow> layout)
    {
        using var scope = NewDisposeScope();
        long n = perImage.shape[0];
        long k = perImage.shape[1];
        var table = cat([perImage.reshape(n * k, perImage.shape[2]), ImageNewline.to(perImage.dtype, perImage.device).unsqueeze(0)], 0);
        long[] index = [.. layout.Select(row => row.IsNewline ? n * k : row.Image * k + row.Row)];
        using var indexTensor = tensor(index, ScalarType.Int64, perImage.device);
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
