using VisionZip.Models;

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

    /// <summary>
    /// The prompt of a LLaVA checkpoint without a tokenizer: <see cref="Ids"/> with one image placeholder after the
    /// first fifth (<paramref name="textTokens"/> ids in all; ids do not change the cost), prepared by the facade.
    /// </summary>
    public static long[] WithImage(VisionLanguageModel model, int textTokens)
    {
        var ids = Ids(textTokens, model.LanguageModel.Config.VocabSize).Select(id => (long)id).ToArray();
        ids[Math.Max(1, textTokens / 5)] = model.Config.ImageTokenIndex;
        return model.PreparePrompt(null, 1, inputIds: ids);
    }
}
