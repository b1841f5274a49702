using System.Text;

namespace VisionZip.Models.Tokenization;

/// <summary>
/// Qwen2's pre-tokenizer, i.e. <c>findall</c> of
/// <c>(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+</c>
/// written out by hand over Unicode scalar values (a .NET <see cref="System.Text.RegularExpressions.Regex"/> would
/// classify the two halves of a surrogate pair separately, so letters beyond U+FFFF would split differently from
/// Python's <c>regex</c> module and the Rust tokenizers). <c>\s</c> is the Unicode White_Space property,
/// <c>\p{L}</c> letters, <c>\p{N}</c> numbers.
/// </summary>
internal static class Qwen2PreTokenizer
{
    /// <summary>Splits <paramref name="text"/> into pre-tokens; their concatenation is the text.</summary>
    public static List<string> Split(string text)
    {
        var pieces = new List<string>();
        int position = 0;
        while (position < text.Length)
        {
            int end = MatchAt(text, position);
            pieces.Add(text[position..end]);
            position = end;
        }

        return pieces;
    }

    // Tries the alternatives in order, as a backtracking regex engine does; returns the end of the match.
    private static int MatchAt(string text, int start)
    {
        var (first, firstWidth) = RuneAt(text, start);
        int afterFirst = start + firstWidth;

        // (?i:'s|'t|'re|'ve|'m|'ll|'d)
        if (first.Value == '\'' && Contraction(text, afterFirst) is int contractionEnd)
        {
            return contractionEnd;
        }

        // [^\r\n\p{L}\p{N}]?\p{L}+  (the optional prefix is tried first)
        if (!IsNewline(first) && !Rune.IsLetter(first) && !Rune.IsNumber(first) && afterFirst < text.Length
            && Rune.IsLetter(RuneAt(text, afterFirst).Rune))
        {
            return SkipWhile(text, afterFirst, Rune.IsLetter);
        }

        if (Rune.IsLetter(first))
        {
            return SkipWhile(text, start, Rune.IsLetter);
        }

        // \p{N}
        if (Rune.IsNumber(first))
        {
            return afterFirst;
        }

        // ' ?[^\s\p{L}\p{N}]+[\r\n]*'
        int symbolsStart = first.Value == ' ' && afterFirst < text.Length && IsSymbol(RuneAt(text, afterFirst).Rune)
            ? afterFirst
            : IsSymbol(first) ? start : -1;
        if (symbolsStart >= 0)
        {
            int symbolsEnd = SkipWhile(text, symbolsStart, IsSymbol);
            return SkipWhile(text, symbolsEnd, IsNewline);
        }

        // Here the first character is whitespace. The maximal whitespace run decides the last three alternatives.
        int runEnd = SkipWhile(text, start, Rune.IsWhiteSpace);

        // \s*[\r\n]+ : backtracks to the last \r or \n of the run.
        int lastNewlineEnd = -1;
        for (int i = start; i < runEnd;)
        {
            var (rune, width) = RuneAt(text, i);
            i += width;
            if (IsNewline(rune))
            {
                lastNewlineEnd = i;
            }
        }

        if (lastNewlineEnd > 0)
        {
            return lastNewlineEnd;
        }

        // \s+(?!\S) : the whole run at the end of the text, else the run minus its last character when that leaves one.
        if (runEnd == text.Length)
        {
            return runEnd;
        }

        int lastStart = PreviousRuneStart(text, runEnd);
        if (lastStart > start)
        {
            return lastStart;
        }

        // \s+
        return runEnd;
    }

    private static int? Contraction(string text, int position)
    {
        static bool Is(string text, int index, char lower) =>
            index < text.Length && (char.ToLowerInvariant(text[index]) == lower || lower == 's' && text[index] == '\u017F');

        if (Is(text, position, 's') || Is(text, position, 't') || Is(text, position, 'm') || Is(text, position, 'd'))
        {
            return position + 1;
        }

        if (Is(text, position, 'r') && Is(text, position + 1, 'e')
            || Is(text, position, 'v') && Is(text, position + 1, 'e')
            || Is(text, position, 'l') && Is(text, position + 1, 'l'))
        {
            return position + 2;
        }

        return null;
    }

    private static bool IsNewline(Rune rune) => rune.Value is '\r' or '\n';

    // [^\s\p{L}\p{N}]
    private static bool IsSymbol(Rune rune) => !Rune.IsWhiteSpace(rune) && !Rune.IsLetter(rune) && !Rune.IsNumber(rune);

    private static int SkipWhile(string text, int position, Func<Rune, bool> predicate)
    {
        while (position < text.Length)
        {
            var (rune, width) = RuneAt(text, position);
            if (!predicate(rune))
            {
                break;
            }

            position += width;
        }

        return position;
    }

    // A lone surrogate reads as U+FFFD (a symbol), one UTF-16 unit wide.
    private static (Rune Rune, int Width) RuneAt(string text, int position)
    {
        Rune.DecodeFromUtf16(text.AsSpan(position), out var rune, out int width);
        return (rune, width);
    }

    private static int PreviousRuneStart(string text, int end) =>
        end >= 2 && char.IsLowSurrogate(text[end - 1]) && char.IsHighSurrogate(text[end - 2]) ? end - 2 : end - 1;
}
