using VisionZip.Models.Checkpoints;
using static TorchSharp.torch;

namespace VisionZip.Models.Llava;

/// <summary>
/// Reads LLaVA-NeXT's learned <c>image_newline</c> row (transformers <c>LlavaNextModel.image_newline</c>, <c>[D_text]</c>)
/// from the weights an opened <see cref="CheckpointDirectory"/> already holds open.
/// </summary>
internal static class LlavaImageNewline
{
    /// <summary>Reads <c>image_newline</c> and checks it is <c>[width]</c>.</summary>
    /// <param name="directory">The opened checkpoint directory.</param>
    /// <param name="names">The checkpoint's tensor spelling.</param>
    /// <param name="width">The projector's output width (the language model's hidden size).</param>
    /// <param name="dtype">The language model's dtype.</param>
    /// <param name="device">The language model's device.</param>
    /// <returns>The row <c>[width]</c>, detached from dispose scopes; the caller owns it.</returns>
    /// <exception cref="InvalidDataException"><c>image_newline</c> is missing or not <c>[width]</c>; names the checkpoint.</exception>
    public static Tensor Read(CheckpointDirectory directory, LlavaTensorNames names, long width, ScalarType dtype, Device device)
    {
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentNullException.ThrowIfNull(names);
        var checkpoint = directory.Weights;
        if (names.ImageNewline is not { } newlineName)
        {
            throw new InvalidDataException(
                $"{checkpoint.Source}: a llava_next checkpoint needs '{LlavaTensorNames.Original.ImageNewline}' (or '{LlavaTensorNames.Nested.ImageNewline}'); it is missing");
        }

        var newline = checkpoint.ReadWeight(newlineName, dtype, device);
        if (newline.ndim != 1 || newline.shape[0] != width)
        {
            long[] shape = newline.shape;
            newline.Dispose();
            throw new InvalidDataException($"{checkpoint.Source}: '{newlineName}' has shape [{string.Join(", ", shape)}], expected [{width}]");
        }

        return newline.DetachFromDisposeScope();
    }
}
