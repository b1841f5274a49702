namespace VisionZip;

/// <summary>
/// The token budgets of the VisionZip paper (appendix tables 8 and 9, section 3.2). Every budget is per image
/// (per frame for video); <see cref="ZipBudget.Dominant"/> counts the CLS token.
/// </summary>
public static class ZipPresets
{
    /// <summary>LLaVA-1.5, 64 tokens (of 576): 54 dominant + 10 contextual.</summary>
    public static ZipBudget Llava15_64 { get; } = new(54, 10);

    /// <summary>LLaVA-1.5, 128 tokens (of 576): 108 dominant + 20 contextual.</summary>
    public static ZipBudget Llava15_128 { get; } = new(108, 20);

    /// <summary>LLaVA-1.5, 192 tokens (of 576): 162 dominant + 30 contextual.</summary>
    public static ZipBudget Llava15_192 { get; } = new(162, 30);

    /// <summary>
    /// LLaVA-NeXT, 160 tokens in total for a 2x2 grid (base image + 4 crops = 5 images; paper: 135+25):
    /// 27 dominant + 5 contextual per image. Other grids give (1 + rows * cols) x 32 tokens.
    /// </summary>
    public static ZipBudget LlavaNext160 { get; } = new(27, 5);

    /// <summary>LLaVA-NeXT, 320 tokens for a 2x2 grid (paper: 270+50): 54 dominant + 10 contextual per image.</summary>
    public static ZipBudget LlavaNext320 { get; } = new(54, 10);

    /// <summary>LLaVA-NeXT, 640 tokens for a 2x2 grid (paper: 540+100): 108 dominant + 20 contextual per image.</summary>
    public static ZipBudget LlavaNext640 { get; } = new(108, 20);

    /// <summary>
    /// Video-LLaVA, 17 tokens per frame instead of 256 (8 frames: 136 instead of 2048; paper section 3.2).
    /// The paper gives only the total; the split 14 dominant (CLS included) + 3 contextual is this library's choice,
    /// keeping the roughly 5:1 dominant-to-contextual ratio of every published budget (54+10, 27+5, ...).
    /// </summary>
    public static ZipBudget VideoLlava17 { get; } = new(14, 3);

    /// <summary>
    /// The official code release's defaults when nothing is configured (<c>dominant=191, contextual=30</c>), not one of
    /// the paper's per-model settings. The library's per-model defaults are the paper's: LLaVA-1.5 and LLaVA-Interleave
    /// <see cref="Llava15_64"/>, LLaVA-NeXT <see cref="LlavaNext160"/> per image.
    /// </summary>
    public static ZipBudget ReferenceRelease { get; } = new(191, 30);
}
