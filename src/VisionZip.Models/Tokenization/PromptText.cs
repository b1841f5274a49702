using System.Text;
using VisionZip.Models.Errors;

namespace VisionZip.Models.Tokenization;

/// <summary>Checks a prompt before a tokenizer touches it: bounded length, well-formed UTF-16.</summary>
internal static class PromptText
{
    /// <summary>Throws when <paramref name="text"/> is longer than <see cref="ResourceLimits.MaxPromptChars"/> or holds an unpaired surrogate.</summary>
    /// <exception cref="ResourceLimitException">The prompt is too long.</exception>
    /// <exception cref="PromptException">The prompt holds an unpaired UTF-16 surrogate (no Unicode character; Hugging Face tokenizers refuse it too).</exception>
    public static void Require(string text)
    {
        int limit = ResourceLimits.Default.MaxPromptChars;
        if (text.Length > limit)
        {
            throw new ResourceLimitException("prompt", "the prompt length in characters", text.Length, limit,
                $"{nameof(ResourceLimits)}.{nameof(ResourceLimits.MaxPromptChars)}");
        }

        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(c))
            {
                throw new PromptException(
                    $"the prompt holds an unpaired UTF-16 surrogate (U+{(int)c:X4}) at character {i}, which is not text; fix the input's encoding");
            }
        }
    }

    /// <summary>
    /// NFC like Python's <c>unicodedata.normalize</c>: .NET refuses strings holding noncharacters (U+FFFE, U+FDD0, ...),
    /// which Python passes through. Noncharacters have no decomposition and never compose, so normalising the runs
    /// between them separately gives Python's result. <paramref name="text"/> must hold no unpaired surrogate.
    /// </summary>
    public static string NormalizeC(string text)
    {
        int first = IndexOfNoncharacter(text, 0);
        if (first < 0)
        {
            return text.Normalize(NormalizationForm.FormC);
        }

        var normalized = new StringBuilder(text.Length);
        int start = 0;
        for (int at = first; at >= 0; at = IndexOfNoncharacter(text, start))
        {
            normalized.Append(text[start..at].Normalize(NormalizationForm.FormC));
            int width = char.IsHighSurrogate(text[at]) ? 2 : 1;
            normalized.Append(text, at, width);
            start = at + width;
        }

        return normalized.Append(text[start..].Normalize(NormalizationForm.FormC)).ToString();
    }

    private static int IndexOfNoncharacter(string text, int start)
    {
        for (int i = start; i < text.Length; i++)
        {
            int value = char.IsHighSurrogate(text[i]) && i + 1 < text.Length ? char.ConvertToUtf32(text[i], text[i + 1]) : text[i];
            if (value is >= 0xFDD0 and <= 0xFDEF || (value & 0xFFFE) == 0xFFFE)
            {
                return i;
            }

            if (value > 0xFFFF)
            {
                i++;
            }
        }

        return -1;
    }
}
