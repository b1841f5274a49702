using VisionZip.Models.Language;
using VisionZip.Runtime;
using static TorchSharp.torch;

namespace VisionZip.Tests.Language;

public class KvCacheTests
{
    public KvCacheTests() => TorchRuntime.EnsureLoaded();

    private static Tensor Positions(long start, long count) =>
        arange(start, start + count, dtype: ScalarType.Float32).view(1, 1, count, 1).expand(2, 3, count, 4).contiguous();

    [Fact]
    public void Appends_grow_the_cache_and_return_every_position()
    {
        using var cache = new KvCache(layers: 1, initialCapacity: 4);
        using var scope = NewDisposeScope();
        var (keys, values) = cache.Append(0, Positions(0, 3), Positions(0, 3) * 10);
        Assert.Equal((3, 4), (cache.Length, cache.Capacity));
        Assert.Equal(new long[] { 2, 3, 3, 4 }, keys.shape);
        (keys, values) = cache.Append(0, Positions(3, 2), Positions(3, 2) * 10); // 5 > 4: the buffer doubles
        Assert.Equal((5, 8), (cache.Length, cache.Capacity));
        Assert.Equal(new float[] { 0, 1, 2, 3, 4 }, keys[1, 2, .., 3].data<float>().ToArray());
        Assert.Equal(new float[] { 0, 10, 20, 30, 40 }, values[0, 0, .., 0].data<float>().ToArray());
        Assert.Equal(2L * 2 * 3 * 8 * 4 * sizeof(float), cache.SizeInBytes);
    }

    [Fact]
    public void Truncate_forgets_positions_and_later_appends_overwrite_them()
    {
        using var cache = new KvCache(layers: 2);
        using var scope = NewDisposeScope();
        for (int layer = 0; layer < 2; layer++)
        {
            cache.Append(layer, Positions(0, 5), Positions(0, 5));
        }

        cache.Truncate(2);
        Assert.Equal(2, cache.Length);
        var (keys, _) = cache.Append(0, Positions(100, 1), Positions(100, 1));
        Assert.Equal(new float[] { 0, 1, 100 }, keys[0, 0, .., 0].data<float>().ToArray());
        Assert.Throws<ArgumentOutOfRangeException>(() => cache.Truncate(4));
    }

    [Fact]
    public void Length_refuses_layers_that_disagree()
    {
        using var cache = new KvCache(layers: 2);
        using var scope = NewDisposeScope();
        cache.Append(0, Positions(0, 2), Positions(0, 2));
        Assert.Contains("inconsistent", Assert.Throws<InvalidOperationException>(() => cache.Length).Message);
        cache.Truncate(0);
        Assert.Equal(0, cache.Length);
    }

    [Fact]
    public void Clone_is_a_deep_copy()
    {
        using var cache = new KvCache(layers: 1);
        using var scope = NewDisposeScope();
        cache.Append(0, Positions(0, 2), Positions(0, 2));
        using var copy = cache.Clone();
        cache.Truncate(1);
        cache.Append(0, Positions(50, 1), Positions(50, 1));
        var (keys, _) = copy.Append(0, Positions(2, 1), Positions(2, 1));
        Assert.Equal(new float[] { 0, 1, 2 }, keys[0, 0, .., 0].data<float>().ToArray());
    }

    [Fact]
    public void Mismatched_shapes_are_argument_errors()
    {
        using var cache = new KvCache(layers: 1);
        using var scope = NewDisposeScope();
        cache.Append(0, Positions(0, 2), Positions(0, 2));
        var wrongBatch = zeros(1, 3, 1, 4);
        Assert.Contains("do not fit", Assert.Throws<ArgumentException>(() => cache.Append(0, wrongBatch, wrongBatch)).Message);
        Assert.Throws<ArgumentException>(() => cache.Append(0, zeros(2, 3, 1, 4), zeros(2, 3, 2, 4)));
        Assert.Throws<ArgumentOutOfRangeException>(() => cache.Append(1, wrongBatch, wrongBatch));
    }

    [Fact]
    public void Dispose_frees_the_buffers()
    {
        long before = TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        var cache = new KvCache(layers: 3);
        using (var scope = NewDisposeScope())
        {
            for (int layer = 0; layer < 3; layer++)
            {
                cache.Append(layer, Positions(0, 2), Positions(0, 2));
            }
        }

        Assert.True(TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount > before);
        cache.Dispose();
        Assert.Equal(before, TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount);
        Assert.Throws<ObjectDisposedException>(() => cache.Truncate(0));
    }
}
