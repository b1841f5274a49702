namespace VisionZip.Extensions.AI;

/// <summary>
/// Keeps stop sequences out of the reply, as OpenAI does: the generator ends a sequence once its text contains a stop
/// string, and this filter cuts the text where the first stop begins. Streaming holds back only the tail that could
/// still grow into a stop string, so no piece of a stop is ever emitted and then taken back.
/// </summary>
internal sealed class StopTextFilter(IReadOnlyList<string> stops)
{
    private string _pending = "";
    private bool _stopped;

    /// <summary>The text that is safe to emit after <paramref name="piece"/>.</summary>
    public string Append(string piece)
    {
        if (_stopped)
        {
            return "";
        }

        _pending += piece;
        if (stops.Count == 0)
        {
            return Take(_pending.Length);
        }

        int cut = stops.Select(stop => _pending.IndexOf(stop, StringComparison.Ordinal)).Where(i => i >= 0).DefaultIfEmpty(-1).Min();
        if (cut >= 0)
        {
            _stopped = true;
            string before = _pending[..cut];
            _pending = "";
            return before;
        }

        return Take(_pending.Length - LongestStopPrefixSuffix());
    }

    /// <summary>What was held back, at the end of generation (empty once a stop was seen).</summary>
    public string Flush() => _stopped ? "" : Take(_pending.Length);

    private string Take(int count)
    {
        string emitted = _pending[..count];
        _pending = _pending[count..];
        return emitted;
    }

    // The longest end of the pending text that is the start of some stop string (it may complete it later).
    private int LongestStopPrefixSuffix()
    {
        int longest = 0;
        foreach (string stop in stops)
        {
            for (int length = Math.Min(stop.Length - 1, _pending.Length); length > longest; length--)
            {
                if (_pending.AsSpan(_pending.Length - length).SequenceEqual(stop.AsSpan(0, length)))
                {
                    longest = length;
                    break;
                }
            }
        }

        return longest;
    }
}
