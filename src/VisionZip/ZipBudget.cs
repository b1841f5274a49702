namespace VisionZip;

/// <summary>
/// How many visual tokens VisionZip keeps for one image (or one frame): <see cref="Dominant"/> tokens selected by
/// attention plus <see cref="Contextual"/> tokens merged from the rest.
/// </summary>
/// <param name="Dominant">
/// Tokens kept as they are, chosen by attention. Counts the CLS token when the encoder has one (CLIP), so it must then be
/// at least 2; at least 1 otherwise.
/// </param>
/// <param name="Contextual">Tokens built by merging the remaining tokens into evenly spaced targets; 0 disables merging.</param>
public readonly record struct ZipBudget(int Dominant, int Contextual)
{
    /// <summary>Tokens per image after zipping: <c>Dominant + Contextual</c>.</summary>
    public int Total => Dominant + Contextual;

    /// <summary>Writes the budget the way the paper does, e.g. <c>54+10</c>.</summary>
    public override string ToString() => $"{Dominant}+{Contextual}";

    /// <summary>
    /// Reads a budget written as <c>dominant+contextual</c> (e.g. <c>54+10</c>) or as a single count (<c>64</c> =
    /// <c>64+0</c>, for reducers that use only <see cref="Total"/>). Only the syntax is checked here; whether the budget
    /// fits an encoder is <see cref="Validate"/>'s job.
    /// </summary>
    /// <param name="text">The budget text.</param>
    /// <exception cref="ArgumentNullException"><paramref name="text"/> is null.</exception>
    /// <exception cref="FormatException">The text is not one or two non-negative integers joined by '+'.</exception>
    public static ZipBudget Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string[] parts = text.Split('+');
        if (parts.Length is < 1 or > 2 || !parts.All(IsCount))
        {
            throw new FormatException($"budget '{text}' is not dominant+contextual (e.g. 54+10) or a single token count (e.g. 64)");
        }

        int dominant = int.Parse(parts[0].Trim(), System.Globalization.CultureInfo.InvariantCulture);
        int contextual = parts.Length == 2 ? int.Parse(parts[1].Trim(), System.Globalization.CultureInfo.InvariantCulture) : 0;
        return new ZipBudget(dominant, contextual);
    }

    /// <summary>
    /// The one rule set for a budget against an encoder: dominant at least 1 (at least 2 with CLS, which is one of them),
    /// contextual not negative, and dominant + contextual at most the <paramref name="tokens"/> tokens.
    /// </summary>
    /// <param name="tokens">N, the feature layer's tokens per image (CLS included).</param>
    /// <param name="hasCls">True when token 0 is CLS.</param>
    /// <exception cref="ArgumentException">The budget does not fit; the message gives the numbers.</exception>
    public void Validate(long tokens, bool hasCls)
    {
        int minimumDominant = hasCls ? 2 : 1;
        if (Dominant < minimumDominant)
        {
            string why = hasCls ? " (with a CLS token the CLS counts as one of them, so at least one patch needs a second)" : "";
            throw new ArgumentException(
                $"budget: dominant must be at least {minimumDominant}{why}; got dominant {Dominant}", "budget");
        }

        if (Contextual < 0)
        {
            throw new ArgumentException($"budget: contextual must be 0 or more; got contextual {Contextual}", "budget");
        }

        if (Dominant > tokens)
        {
            throw new ArgumentException($"budget: dominant {Dominant} is more than the {tokens} tokens of hiddenStates", "budget");
        }

        long remaining = tokens - Dominant;
        if (Contextual > remaining)
        {
            throw new ArgumentException(
                $"budget: dominant {Dominant} + contextual {Contextual} = {(long)Dominant + Contextual} " +
                $"is more than the {tokens} tokens; contextual {Contextual} is more than the {remaining} remaining tokens",
                "budget");
        }
    }

    private static bool IsCount(string part)
    {
        string trimmed = part.Trim();
        return trimmed.Length is > 0 and <= 9 && trimmed.All(char.IsAsciiDigit);
    }
}
