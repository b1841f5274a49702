namespace VisionZip.Models.Performance;

/// <summary>The shape of a ViT image encoder (CLIP or SigLIP) as the cost model needs it.</summary>
/// <param name="Layers">Encoder layers that run: up to the feature layer (LLaVA's -2 runs 23 of CLIP-L's 24).</param>
/// <param name="Hidden">Width D.</param>
/// <param name="Intermediate">MLP width M (two matrices, GELU).</param>
/// <param name="Tokens">Tokens per crop: patches plus CLS when there is one (577 for CLIP-L/14 at 336).</param>
/// <param name="PatchSize">Patch side in pixels (the patch embedding is a convolution over 3 x p x p).</param>
/// <param name="HasCls">Whether one of <paramref name="Tokens"/> is a class token (not a patch).</param>
public sealed record EncoderGeometry(int Layers, int Hidden, int Intermediate, int Tokens, int PatchSize, bool HasCls)
{
    /// <summary>CLIP ViT-L/14 at 336 px as LLaVA runs it: 23 layers (feature layer -2), 577 tokens.</summary>
    public static EncoderGeometry ClipLarge336 { get; } = new(23, 1024, 4096, 577, 14, HasCls: true);

    /// <summary>
    /// FLOPs of one crop (2 per multiply-add, matrix products only): the patch embedding
    /// <c>2 P D (3 p^2)</c> over P patches, then per layer <c>8 N D^2 + 4 N^2 D + 4 N D M</c>.
    /// </summary>
    public double CropFlops
    {
        get
        {
            double n = Tokens;
            double d = Hidden;
            double patches = HasCls ? Tokens - 1 : Tokens;
            double embedding = 2 * patches * d * 3 * PatchSize * PatchSize;
            double layer = 8 * n * d * d + 4 * n * n * d + 4 * n * d * Intermediate;
            return embedding + Layers * layer;
        }
    }
}
