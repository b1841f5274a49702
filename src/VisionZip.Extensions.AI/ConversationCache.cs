using VisionZip.Models.Language;
using VisionZip.Models.Llava;

namespace VisionZip.Extensions.AI;

/// <summary>
/// A bounded LRU of conversations whose KV cache is kept: each entry holds the prompt ids its cache covers (one
/// placeholder per image) and the images (by content key) behind those placeholders. A request whose ids share a
/// prefix with an entry takes that entry, truncates its cache to the shared prefix and prefills only the rest.
/// Encoded images are kept in their own LRU, keyed by a hash of their bytes and the reduction.
/// </summary>
/// <remarks>Not thread-safe; the client uses it only inside its request queue.</remarks>
internal sealed class ConversationCache : IDisposable
{
    private readonly int _capacity;
    private readonly int _imageCapacity;
    private readonly LinkedList<Entry> _entries = new();                       // most recently used first
    private readonly LinkedList<(string Key, EncodedImage Image)> _images = new();

    public ConversationCache(int capacity)
    {
        _capacity = capacity;
        _imageCapacity = Math.Max(4, capacity * 4);
    }

    /// <summary>Conversations kept.</summary>
    public int Count => _entries.Count;

    /// <summary>Encoded images kept.</summary>
    public int ImageCount => _images.Count;

    /// <summary>
    /// Takes the entry sharing the longest prefix with <paramref name="ids"/> (at most all but the last id), its cache
    /// truncated to that prefix; null when none shares anything. The caller owns the returned cache.
    /// </summary>
    public (KvCache Cache, int SharedIds)? Take(IReadOnlyList<long> ids, IReadOnlyList<string> imageKeys, long imageTokenId)
    {
        LinkedListNode<Entry>? best = null;
        int bestShared = 0;
        int bestPositions = 0;
        for (var node = _entries.First; node is not null; node = node.Next)
        {
            var (shared, positions) = node.Value.SharedPrefix(ids, imageKeys, imageTokenId, ids.Count - 1);
            if (shared > bestShared)
            {
                (best, bestShared, bestPositions) = (node, shared, positions);
            }
        }

        if (best is null)
        {
            return null;
        }

        _entries.Remove(best);
        var cache = best.Value.Cache;
        cache.Truncate(bestPositions);
        return (cache, bestShared);
    }

    /// <summary>Keeps a conversation's cache (owned from here on), evicting the least recently used beyond capacity.</summary>
    public void Put(KvCache cache, List<long> ids, List<string> imageKeys, List<int> imageTokens)
    {
        if (_capacity == 0)
        {
            cache.Dispose();
            return;
        }

        _entries.AddFirst(new Entry(cache, ids, imageKeys, imageTokens));
        while (_entries.Count > _capacity)
        {
            _entries.Last!.Value.Cache.Dispose();
            _entries.RemoveLast();
        }
    }

    /// <summary>The kept encoded image for <paramref name="key"/>, or null (marks it recently used).</summary>
    public EncodedImage? FindImage(string key)
    {
        for (var node = _images.First; node is not null; node = node.Next)
        {
            if (node.Value.Key == key)
            {
                _images.Remove(node);
                _images.AddFirst(node);
                return node.Value.Image;
            }
        }

        return null;
    }

    /// <summary>Keeps an encoded image (owned from here on). Call <see cref="TrimImages"/> once the request no longer needs any.</summary>
    public void AddImage(string key, EncodedImage image) => _images.AddFirst((key, image));

    /// <summary>Disposes the least recently used images beyond capacity.</summary>
    public void TrimImages()
    {
        while (_images.Count > _imageCapacity)
        {
            _images.Last!.Value.Image.Dispose();
            _images.RemoveLast();
        }
    }

    public void Dispose()
    {
        foreach (var entry in _entries)
        {
            entry.Cache.Dispose();
        }

        foreach (var (_, image) in _images)
        {
            image.Dispose();
        }

        _entries.Clear();
        _images.Clear();
    }

    private sealed record Entry(KvCache Cache, List<long> Ids, List<string> ImageKeys, List<int> ImageTokens)
    {
        // (ids shared, cache positions they cover); an image placeholder is shared only when the same image is behind it.
        public (int Ids, int Positions) SharedPrefix(IReadOnlyList<long> ids, IReadOnlyList<string> imageKeys, long imageTokenId, int limit)
        {
            int shared = 0;
            int positions = 0;
            int image = 0;
            int end = Math.Min(Math.Min(Ids.Count, ids.Count), limit);
            while (shared < end && Ids[shared] == ids[shared])
            {
                if (ids[shared] == imageTokenId)
                {
                    if (image >= ImageKeys.Count || image >= imageKeys.Count || ImageKeys[image] != imageKeys[image])
                    {
                        break;
                    }

                    positions += ImageTokens[image];
                    image++;
                }
                else
                {
                    positions++;
                }

                shared++;
            }

            return (shared, positions);
        }
    }
}
