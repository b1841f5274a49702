using VisionZip.Models.Language;
using VisionZip.Runtime;
using static TorchSharp.torch;

namespace VisionZip.Tests.Language;

public class CausalMaskTests
{
    public CausalMaskTests() => TorchRuntime.EnsureLoaded();

    private static bool[] Flat(Tensor mask) => mask.data<bool>().ToArray();

    [Fact]
    public void Chunk_after_cached_positions_sees_the_cache_and_its_own_past()
    {
        using var mask = CausalMask.Build(queryLength: 2, pastLength: 3, window: null, CPU)!;
        Assert.Equal(new long[] { 2, 5 }, mask.shape);
        Assert.Equal(new[] { true, true, true, true, false, true, true, true, true, true }, Flat(mask));
    }

    [Fact]
    public void Single_query_needs_no_mask_unless_a_window_cuts_the_past()
    {
        Assert.Null(CausalMask.Build(1, 7, null, CPU));
        Assert.Null(CausalMask.Build(1, 3, 4, CPU));
        using var mask = CausalMask.Build(1, 5, 4, CPU)!;
        Assert.Equal(new[] { false, false, true, true, true, true }, Flat(mask));
    }

    [Fact]
    public void Sliding_window_keeps_the_last_window_keys()
    {
        using var mask = CausalMask.Build(3, 0, 2, CPU)!;
        Assert.Equal(new[] { true, false, false, true, true, false, false, true, true }, Flat(mask));
    }
}
