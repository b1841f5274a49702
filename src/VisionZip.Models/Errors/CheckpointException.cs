namespace VisionZip.Models.Errors;

/// <summary>
/// A checkpoint that cannot be used: a malformed safetensors file or index, a config field out of range, configs that
/// disagree with each other or with the weights, a missing, wrongly shaped or non-finite weight.
/// </summary>
public sealed class CheckpointException : VisionZipException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="file">The file at fault (full path), or the checkpoint directory.</param>
    /// <param name="message">What is wrong, in the user's terms; should already name <paramref name="file"/>.</param>
    /// <param name="tensor">The tensor at fault, if one is.</param>
    /// <param name="field">The config field at fault, if one is.</param>
    /// <param name="inner">The underlying error, if any.</param>
    public CheckpointException(string file, string message, string? tensor = null, string? field = null, Exception? inner = null)
        : base(message, inner)
    {
        File = file;
        Tensor = tensor;
        Field = field;
    }

    /// <summary>The file (or checkpoint directory) at fault.</summary>
    public string File { get; }

    /// <summary>The tensor at fault, or null.</summary>
    public string? Tensor { get; }

    /// <summary>The config field at fault, or null.</summary>
    public string? Field { get; }
}
