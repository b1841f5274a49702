namespace VisionZip.Models.Errors;

/// <summary>An image that cannot be used: empty, not an image, truncated or corrupt, or with a zero side.</summary>
public sealed class ImageException : VisionZipException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="source">The image file (full path) or the name the caller gave an in-memory image.</param>
    /// <param name="message">What is wrong; should already name <paramref name="source"/>.</param>
    /// <param name="inner">The underlying error, if any.</param>
    public ImageException(string source, string message, Exception? inner = null) : base(message, inner)
    {
        Source = source;
    }

    /// <summary>The image file or in-memory name at fault.</summary>
    public new string Source { get; }
}
