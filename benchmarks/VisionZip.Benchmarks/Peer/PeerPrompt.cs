namespace VisionZip.Benchmarks.Peer;

/// <summary>The token ids both sides prefill: BOS then deterministic ids past the specials and byte tokens.</summary>
public static class PeerPrompt
{
    /// <summary><paramref name="count"/> ids, BOS first, all below <paramref name="vocabulary"/> and below 32000 (llava's image id).</summary>
    public static int[] Ids(int count, int vocabulary)
    {
        int span = Math.Min(vocabulary, 32000) - GgufVocabulary.MinimumSize;
        var ids = new int[count];
        ids[0] = GgufVocabulary.Bos;
        for (int i = 1; i < count; i++)
        {
            ids[i] = GgufVocabulary.MinimumSize + (int)(i * 7919L % span);
        }

        return ids;
    }
}
