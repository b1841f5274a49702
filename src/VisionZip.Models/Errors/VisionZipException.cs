namespace VisionZip.Models.Errors;

/// <summary>
/// Base of every error the VisionZip libraries raise for input a user can fix (a bad checkpoint, image or prompt, a
/// resource limit, a full context). The message is one sentence in the user's terms that names the file, tensor, field
/// or argument at fault and gives the expected and actual values; a multi-item problem (e.g. several bad weights) puts
/// one item per following line, each indented by two spaces.
/// </summary>
/// <remarks>
/// Catch this type to handle every input error at once; anything else escaping the library is a bug.
/// </remarks>
public abstract class VisionZipException : Exception
{
    /// <summary>Creates the exception with its user-facing message.</summary>
    protected VisionZipException(string message, Exception? inner = null) : base(message, inner)
    {
    }
}
