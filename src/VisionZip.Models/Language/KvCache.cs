using static TorchSharp.torch;

namespace VisionZip.Models.Language;

/// <summary>
/// Keys and values of every decoder layer for the tokens seen so far, so later tokens attend to them without
/// recomputing. Each layer keeps one preallocated buffer per K and V, [B, kv_heads, capacity, head_dim], filled
/// from position 0; it doubles (one copy) when a call needs more room. Pass the same cache to successive
/// <see cref="LlamaForCausalLM"/> forwards: prefill, then one token at a time, then more chunks.
/// </summary>
/// <remarks>
/// Owns its tensors (detached from every dispose scope); dispose it to free them. Not thread-safe: one sequence
/// batch, one caller at a time. Buffers take the dtype and device of the first keys appended.
/// </remarks>
public sealed class KvCache : IDisposable
{
    private readonly Tensor?[] _keys;   // per layer [B, kv_heads, capacity, head_dim]
    private readonly Tensor?[] _values; // per layer [B, kv_heads, capacity, head_dim]
    private readonly int[] _lengths;    // per layer: filled positions
    private readonly int _initialCapacity;
    private bool _disposed;

    /// <summary>Creates an empty cache.</summary>
    /// <param name="layers">Number of decoder layers.</param>
    /// <param name="initialCapacity">Positions to allocate on the first append (more if that append is longer);
    /// the expected total length avoids any regrowth.</param>
    public KvCache(int layers, int initialCapacity = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(layers);
        ArgumentOutOfRangeException.ThrowIfNegative(initialCapacity);
        _keys = new Tensor?[layers];
        _values = new Tensor?[layers];
        _lengths = new int[layers];
        _initialCapacity = initialCapacity;
    }

    /// <summary>Number of layers the cache holds.</summary>
    public int Layers => _lengths.Length;

    /// <summary>Number of cached positions (the position of the next token).</summary>
    /// <exception cref="InvalidOperationException">The layers disagree (a forward failed half way); truncate or discard the cache.</exception>
    public int Length
    {
        get
        {
            int length = _lengths[0];
            for (int layer = 1; layer < _lengths.Length; layer++)
            {
                if (_lengths[layer] != length)
                {
                    throw new InvalidOperationException(
                        $"KV cache is inconsistent: layer 0 holds {length} positions, layer {layer} holds {_lengths[layer]} " +
                        "(an earlier forward failed); call Truncate or use a new cache");
                }
            }

            return length;
        }
    }

    /// <summary>Positions allocated per layer (0 before the first append).</summary>
    public int Capacity => _keys[0] is { } keys ? (int)keys.shape[2] : 0;

    /// <summary>Batch size of the cached sequences, or null before the first append.</summary>
    public long? BatchSize => _keys[0]?.shape[0];

    /// <summary>Bytes held by all key and value buffers (allocated capacity, not only the filled part).</summary>
    public long SizeInBytes
    {
        get
        {
            long total = 0;
            foreach (var buffer in _keys.Concat(_values))
            {
                if (buffer is not null)
                {
                    total += buffer.NumberOfElements * buffer.ElementSize;
                }
            }

            return total;
        }
    }

    /// <summary>
    /// Appends one layer's new keys and values and returns that layer's keys and values for every cached position
    /// (new views into the buffers, valid until the next append or truncate; the caller or its dispose scope disposes them).
    /// </summary>
    /// <param name="layer">Decoder layer index.</param>
    /// <param name="key">[B, kv_heads, T, head_dim], keys after RoPE.</param>
    /// <param name="value">[B, kv_heads, T, head_dim].</param>
    /// <returns>Keys and values [B, kv_heads, length + T, head_dim].</returns>
    /// <exception cref="ArgumentException">Shapes, dtype or device differ from what the cache holds.</exception>
    public (Tensor Keys, Tensor Values) Append(int layer, Tensor key, Tensor value)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentOutOfRangeException.ThrowIfNegative(layer);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(layer, Layers);
        if (key.dim() != 4 || !key.shape.SequenceEqual(value.shape))
        {
            throw new ArgumentException(
                $"key and value must both be [B, kv_heads, T, head_dim]; key [{string.Join(", ", key.shape)}], value [{string.Join(", ", value.shape)}]",
                nameof(key));
        }

        long added = key.shape[2];
        int length = _lengths[layer];
        if (_keys[layer] is { } existing)
        {
            CheckCompatible(existing, key, layer);
        }

        EnsureCapacity(layer, key, checked(length + (int)added));
        var keys = _keys[layer]!;
        var values = _values[layer]!;
        using (var keySlot = keys.narrow(2, length, added))
        using (var valueSlot = values.narrow(2, length, added))
        {
            keySlot.copy_(key);
            valueSlot.copy_(value);
        }

        _lengths[layer] = length + (int)added;
        return (keys.narrow(2, 0, _lengths[layer]), values.narrow(2, 0, _lengths[layer]));
    }

    /// <summary>
    /// The layer's whole buffers, not copies, and its filled length, for kernels that read the cache in place
    /// (positions from the length on hold no data). Valid until the next append, truncate or dispose.
    /// </summary>
    internal (Tensor Keys, Tensor Values, int Length) Buffers(int layer) =>
        (_keys[layer] ?? throw new InvalidOperationException($"layer {layer} holds nothing yet"), _values[layer]!, _lengths[layer]);

    /// <summary>Forgets every position from <paramref name="length"/> on (keeps the buffers); 0 empties the cache.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Negative, or longer than what some layer holds.</exception>
    public void Truncate(int length)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        int shortest = _lengths.Min();
        if (length < 0 || length > shortest)
        {
            throw new ArgumentOutOfRangeException(nameof(length), length, $"must be in [0, {shortest}] (the cached length)");
        }

        Array.Fill(_lengths, length);
    }

    /// <summary>A deep copy of the filled positions (e.g. to branch a chat session from a shared prefix).</summary>
    public KvCache Clone()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var copy = new KvCache(Layers, _initialCapacity);
        for (int layer = 0; layer < Layers; layer++)
        {
            if (_keys[layer] is { } keys && _values[layer] is { } values)
            {
                copy._keys[layer] = keys.clone().DetachFromDisposeScope();
                copy._values[layer] = values.clone().DetachFromDisposeScope();
            }

            copy._lengths[layer] = _lengths[layer];
        }

        return copy;
    }

    private void EnsureCapacity(int layer, Tensor like, int needed)
    {
        var old = _keys[layer];
        long capacity = old?.shape[2] ?? 0;
        if (needed <= capacity)
        {
            return;
        }

        long newCapacity = old is null ? Math.Max(needed, _initialCapacity) : Math.Max(needed, 2 * capacity);
        long[] shape = [like.shape[0], like.shape[1], newCapacity, like.shape[3]];
        _keys[layer] = Grow(old, shape, like, _lengths[layer]);
        _values[layer] = Grow(_values[layer], shape, like, _lengths[layer]);
    }

    private static Tensor Grow(Tensor? old, long[] shape, Tensor like, int filled)
    {
        var buffer = empty(shape, like.dtype, like.device).DetachFromDisposeScope();
        if (old is not null)
        {
            using (var target = buffer.narrow(2, 0, filled))
            using (var source = old.narrow(2, 0, filled))
            {
                target.copy_(source);
            }

            old.Dispose();
        }

        return buffer;
    }

    private static void CheckCompatible(Tensor existing, Tensor key, int layer)
    {
        if (existing.shape[0] != key.shape[0] || existing.shape[1] != key.shape[1] || existing.shape[3] != key.shape[3] ||
            existing.dtype != key.dtype || existing.device_type != key.device_type || existing.device_index != key.device_index)
        {
            throw new ArgumentException(
                $"layer {layer}: new keys [{string.Join(", ", key.shape)}] {key.dtype} on {key.device} do not fit the cache " +
                $"[{existing.shape[0]}, {existing.shape[1]}, *, {existing.shape[3]}] {existing.dtype} on {existing.device}",
                nameof(key));
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        for (int layer = 0; layer < Layers; layer++)
        {
            _keys[layer]?.Dispose();
            _values[layer]?.Dispose();
            _keys[layer] = null;
            _values[layer] = null;
        }
    }
}
