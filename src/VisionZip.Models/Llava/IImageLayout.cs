using VisionZip.Models.Imaging;
using static TorchSharp.torch;

namespace VisionZip.Models.Llava;

/// <summary>
/// How a model family turns a photo into tiles and the tiles' tokens into prompt rows, chosen once when a checkpoint is
/// loaded: <c>single-tile</c> (LLaVA-1.5, LLaVA-Interleave: one square from the processor) or <c>anyres</c> (LLaVA-NeXT: base
/// image + crops, packed with <c>image_newline</c>). Every layout encodes tiles through the one tile path (tower to the
/// feature layer, reducer, projector). A new family with another tiling adds one implementation and its line in
/// the model's kind table.
/// </summary>
/// <remarks>Implementations are thread-safe (they hold no per-call state).</remarks>
public interface IImageLayout
{
    /// <summary>The layout's name: <c>single-tile</c> or <c>anyres</c>.</summary>
    string Name { get; }

    /// <summary>Side S of every tile, in pixels (the vision tower's <c>image_size</c>).</summary>
    int TileSize { get; }

    /// <summary>Preprocesses and encodes a photo.</summary>
    /// <exception cref="ArgumentException">The reducer does not fit the tower's tokens (checked before preprocessing).</exception>
    EncodedImage Encode(RgbImage image, ImageEncodeOptions options);

    /// <summary>Encodes already preprocessed tiles <c>[tiles, 3, S, S]</c> (a leading batch of 1 is accepted).</summary>
    /// <param name="pixelValues">The processor's output.</param>
    /// <param name="imageSize">The photo's (height, width): required by layouts whose grid depends on it (anyres).</param>
    /// <param name="options">Reducer and mode.</param>
    /// <exception cref="ArgumentException">The pixels do not fit the layout, or a size it needs is missing.</exception>
    EncodedImage EncodePixels(Tensor pixelValues, (int Height, int Width)? imageSize, ImageEncodeOptions options);

    /// <summary>What the encoder sees of a photo, tile by tile (uint8 RGB, S x S each), e.g. to draw the selection.</summary>
    IReadOnlyList<RgbImage> TileImages(RgbImage image, ImageMode mode);
}
