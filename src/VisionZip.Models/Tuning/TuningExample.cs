using VisionZip.Models.Imaging;

namespace VisionZip.Models.Tuning;

/// <summary>One training example: an image, an instruction about it and, optionally, the answer a person wrote.</summary>
/// <param name="Source">Where the image came from (a file path, or a name), for messages.</param>
/// <param name="Image">The decoded image.</param>
/// <param name="Question">The instruction; the teacher answers it.</param>
/// <param name="Answer">A user-given answer for the optional cross-entropy term, or null.</param>
public sealed record TuningExample(string Source, RgbImage Image, string Question, string? Answer = null);
