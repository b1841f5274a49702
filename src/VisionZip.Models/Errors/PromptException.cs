namespace VisionZip.Models.Errors;

/// <summary>
/// A prompt that cannot be used: image placeholders that do not match the images given, a message the chat template
/// cannot render, token ids outside the vocabulary.
/// </summary>
public sealed class PromptException : VisionZipException
{
    /// <summary>Creates the exception with a message that says what in the prompt is wrong.</summary>
    public PromptException(string message, Exception? inner = null) : base(message, inner)
    {
    }
}
