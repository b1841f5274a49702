namespace VisionZip.Models.Errors;

/// <summary>
/// A size derived from the input (image pixels, a resize or crop target, a tile count, a prompt length, a header
/// length) is past a configured limit; raised before anything of that size is allocated.
/// </summary>
public sealed class ResourceLimitException : VisionZipException
{
    /// <summary>Creates the exception; the message is built from the parts.</summary>
    /// <param name="source">The file or argument the size comes from.</param>
    /// <param name="what">What is being measured, e.g. "the resize target (pixels)".</param>
    /// <param name="value">The size the input asks for.</param>
    /// <param name="limit">The largest size allowed.</param>
    /// <param name="setting">The setting that raises the limit, e.g. <c>ResourceLimits.MaxImagePixels</c>.</param>
    /// <param name="detail">Extra context (how the size was derived), or null.</param>
    public ResourceLimitException(string source, string what, long value, long limit, string setting, string? detail = null)
        : base($"{source}: {what} would be {value}, over the limit of {limit}" +
               (detail is null ? "" : $" ({detail})") + $"; raise {setting} to allow it")
    {
        Source = source;
        What = what;
        Value = value;
        Limit = limit;
        Setting = setting;
    }

    /// <summary>The file or argument the size comes from.</summary>
    public new string Source { get; }

    /// <summary>What is being measured.</summary>
    public string What { get; }

    /// <summary>The size the input asks for.</summary>
    public long Value { get; }

    /// <summary>The limit it is over.</summary>
    public long Limit { get; }

    /// <summary>The setting that raises the limit.</summary>
    public string Setting { get; }
}
