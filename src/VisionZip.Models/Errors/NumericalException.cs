namespace VisionZip.Models.Errors;

/// <summary>
/// A computation produced values that cannot be right (NaN or infinite logits): the weights are broken or the chosen
/// dtype overflows. Raised instead of producing tokens from them.
/// </summary>
public sealed class NumericalException : VisionZipException
{
    /// <summary>Creates the exception with a message that says where the values appeared and how many.</summary>
    public NumericalException(string message) : base(message)
    {
    }
}
