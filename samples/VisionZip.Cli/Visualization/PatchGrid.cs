namespace VisionZip.Cli.Visualization;

/// <summary>
/// How an encoder's tokens map onto the image: a <see cref="Rows"/> x <see cref="Columns"/> grid of square
/// patches of <see cref="PatchSize"/> pixels, row-major, after a CLS token at position 0 when <see cref="HasCls"/>.
/// </summary>
/// <param name="Rows">Patch rows.</param>
/// <param name="Columns">Patch columns.</param>
/// <param name="PatchSize">Patch side in pixels of the preprocessed image.</param>
/// <param name="HasCls">True when token 0 is a CLS token (CLIP), false otherwise (SigLIP).</param>
internal sealed record PatchGrid(int Rows, int Columns, int PatchSize, bool HasCls)
{
    /// <summary>Number of patches.</summary>
    public int Patches => Rows * Columns;

    /// <summary>Number of tokens (patches + CLS).</summary>
    public int Tokens => Patches + (HasCls ? 1 : 0);

    /// <summary>Token position of patch (<paramref name="row"/>, <paramref name="column"/>).</summary>
    public int TokenOf(int row, int column) => row * Columns + column + (HasCls ? 1 : 0);

    /// <summary>The grid of a square encoder input: <c>image_size / patch_size</c> patches per side (a 'valid' convolution).</summary>
    public static PatchGrid Square(int imageSize, int patchSize, bool hasCls)
    {
        if (imageSize <= 0 || patchSize <= 0 || patchSize > imageSize)
        {
            throw new ArgumentException($"image size {imageSize} and patch size {patchSize} do not form a patch grid");
        }

        int side = imageSize / patchSize;
        return new PatchGrid(side, side, patchSize, hasCls);
    }
}
