namespace VisionZip.Models.Tokenization;

/// <summary>
/// Splits text on added tokens: scanning left to right, at every position the longest added token that matches
/// exactly is taken (transformers' added-token trie); the text between matches is left for the tokenizer model.
/// </summary>
internal sealed class AddedTokenSplitter
{
    // first character -> candidate tokens, longest first
    private readonly Dictionary<char, AddedToken[]> _byFirstChar;

    public AddedTokenSplitter(IEnumerable<AddedToken> tokens)
    {
        _byFirstChar = tokens
            .Where(token => token.Content.Length > 0)
            .GroupBy(token => token.Content[0])
            .ToDictionary(group => group.Key, group => group.OrderByDescending(token => token.Content.Length).ToArray());
    }

    /// <summary>A piece of the split text: either plain text (<see cref="Token"/> null) or one added token.</summary>
    public readonly record struct Segment(string Text, AddedToken? Token);

    /// <summary>Splits <paramref name="text"/>; empty text pieces are left out.</summary>
    public List<Segment> Split(string text)
    {
        var segments = new List<Segment>();
        int textStart = 0;
        int position = 0;
        bool stripNextLeft = false;
        while (position < text.Length)
        {
            AddedToken? match = MatchAt(text, position);
            if (match is null)
            {
                position++;
                continue;
            }

            AddText(segments, text, textStart, position, stripNextLeft, match.LeftStrip);
            segments.Add(new Segment(match.Content, match));
            position += match.Content.Length;
            textStart = position;
            stripNextLeft = match.RightStrip;
        }

        AddText(segments, text, textStart, text.Length, stripNextLeft, stripEnd: false);
        return segments;
    }

    private AddedToken? MatchAt(string text, int position)
    {
        if (!_byFirstChar.TryGetValue(text[position], out var candidates))
        {
            return null;
        }

        foreach (var candidate in candidates)
        {
            if (position + candidate.Content.Length <= text.Length
                && string.CompareOrdinal(text, position, candidate.Content, 0, candidate.Content.Length) == 0)
            {
                return candidate;
            }
        }

        return null;
    }

    private static void AddText(List<Segment> segments, string text, int start, int end, bool stripStart, bool stripEnd)
    {
        while (stripStart && start < end && char.IsWhiteSpace(text[start]))
        {
            start++;
        }

        while (stripEnd && end > start && char.IsWhiteSpace(text[end - 1]))
        {
            end--;
        }

        if (end > start)
        {
            segments.Add(new Segment(text[start..end], null));
        }
    }
}
