namespace VisionZip.Models.Llava;

/// <summary>The source of one row of a LLaVA-NeXT image sequence (<see cref="AnyResLayout"/>).</summary>
/// <param name="Image">0 = the base image, 1 + r * cols + c = crop (r, c); -1 = the <c>image_newline</c> row.</param>
/// <param name="Row">Row of that image's features (patch index for vanilla, zipped-token row for VisionZip); -1 for a newline.</param>
public readonly record struct AnyResRow(int Image, int Row)
{
    /// <summary>The <c>image_newline</c> row, (-1, -1).</summary>
    public static AnyResRow Newline { get; } = new(-1, -1);

    /// <summary>True for the <c>image_newline</c> row.</summary>
    public bool IsNewline => Image < 0;
}
