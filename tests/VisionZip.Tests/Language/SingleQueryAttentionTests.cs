using TorchSharp;
using VisionZip.Models.Language.MatVec;
using VisionZip.Runtime;
using VisionZip.Tests.Support;
using static TorchSharp.torch;

namespace VisionZip.Tests.Language;

/// <summary>
/// The decode-step attention kernel against scaled_dot_product_attention over the same cached positions: grouped
/// heads, batches, head sizes around the SIMD blocks, lengths around the 16-wide loops, float32 and bfloat16, and what
/// it must decline. The decoder fixtures' token-by-token tests run it inside whole models.
/// </summary>
public sealed class SingleQueryAttentionTests
{
    public SingleQueryAttentionTests()
    {
        TorchRuntime.EnsureLoaded();
        Assert.True(SingleTokenLinear.IsSupported, "these tests need a CPU with AVX-512F");
    }

    public static TheoryData<int, int, int, int, int> Shapes => new()
    {
        // batch, heads, kv heads, head_dim, cached length
        { 1, 4, 4, 32, 1 },     // only the query's own position
        { 1, 4, 2, 64, 15 },    // grouped, shorter than one vector of scores
        { 2, 8, 2, 64, 37 },    // batch 2, 4 query heads per kv head, a scalar tail
        { 1, 32, 32, 128, 615 },// LLaVA-1.5-7B's vanilla prompt
        { 1, 6, 1, 96, 200 },   // multi-query attention, head_dim 3 x 32
        { 1, 4, 2, 16, 9 },     // llama-tiny's heads: head_dim under one bf16 block
        { 2, 4, 4, 24, 21 },    // the tiny LLaVA decoders' head_dim 24
        { 1, 4, 1, 80, 33 },    // head_dim 80: two bf16 blocks and a tail of 16
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Float32_matches_sdpa_over_the_filled_positions(int batch, int heads, int kvHeads, int headDim, int length)
    {
        using var scope = NewDisposeScope();
        var (query, keys, values) = Inputs(batch, heads, kvHeads, headDim, length, ScalarType.Float32);
        Assert.True(SingleQueryAttention.TryRun(query, keys, values, length, out var actual));
        Assert.Equal(new long[] { batch, heads, 1, headDim }, actual.shape);
        TensorAssert.Close(Reference(query, keys, values, length), actual, $"float32 {heads}/{kvHeads} heads x {length}", relative: 1e-5);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void BFloat16_matches_a_float64_reference_to_one_rounding(int batch, int heads, int kvHeads, int headDim, int length)
    {
        using var scope = NewDisposeScope();
        var (query, keys, values) = Inputs(batch, heads, kvHeads, headDim, length, ScalarType.BFloat16);
        Assert.True(SingleQueryAttention.TryRun(query, keys, values, length, out var actual));
        Assert.Equal(ScalarType.BFloat16, actual.dtype);

        // The exact attention of the bf16 values in float64; the kernel sums in float32 and rounds to bf16 once.
        var exact = Reference(query.to(ScalarType.Float64), keys.to(ScalarType.Float64), values.to(ScalarType.Float64), length);
        var difference = (actual.to(ScalarType.Float64) - exact).abs();
        var allowed = exact.abs() * (1.0 / 128) + 1e-4 * exact.abs().max();
        Assert.True(difference.le(allowed).all().item<bool>(), $"bf16 {heads}/{kvHeads} heads x {length}: max |diff| {difference.max().item<double>():G4}");
    }

    [Fact]
    public void Positions_past_the_length_are_never_read()
    {
        using var scope = NewDisposeScope();
        var (query, keys, values) = Inputs(1, 4, 2, 64, 10, ScalarType.Float32);
        Assert.True(SingleQueryAttention.TryRun(query, keys, values, 10, out var before));
        keys.narrow(2, 10, keys.shape[2] - 10).fill_(float.NaN);
        values.narrow(2, 10, values.shape[2] - 10).fill_(1e30f);
        Assert.True(SingleQueryAttention.TryRun(query, keys, values, 10, out var after));
        Assert.True(before.eq(after).all().item<bool>(), "the unfilled capacity changed the result");
    }

    [Fact]
    public void Declines_what_it_does_not_cover()
    {
        using var scope = NewDisposeScope();
        var (query, keys, values) = Inputs(1, 4, 2, 64, 8, ScalarType.Float32);
        Assert.False(SingleQueryAttention.TryRun(randn(1, 4, 2, 64), keys, values, 8, out _));          // two queries
        Assert.False(SingleQueryAttention.TryRun(query.to(ScalarType.Float64), keys.to(ScalarType.Float64), values.to(ScalarType.Float64), 8, out _));
        Assert.False(SingleQueryAttention.TryRun(query.to(ScalarType.Float16), keys.to(ScalarType.Float16), values.to(ScalarType.Float16), 8, out _));
        Assert.False(SingleQueryAttention.TryRun(query, keys, values, 0, out _));
        Assert.False(SingleQueryAttention.TryRun(query, keys, values, (int)keys.shape[2] + 1, out _));
        Assert.False(SingleQueryAttention.TryRun(query, keys.transpose(2, 3).transpose(2, 3).narrow(2, 0, 8), values, 8, out _)); // not the whole buffer
    }

    private static (Tensor Query, Tensor Keys, Tensor Values) Inputs(int batch, int heads, int kvHeads, int headDim, int length, ScalarType dtype)
    {
        using var generator = new TorchSharp.torch.Generator((ulong)(batch * 7 + heads * 131 + headDim * 17 + length));
        int capacity = length + 5;   // buffers longer than the filled part, like the cache's
        var query = randn([batch, heads, 1, headDim], generator: generator).to(dtype);
        var keys = randn([batch, kvHeads, capacity, headDim], generator: generator).to(dtype);
        var values = randn([batch, kvHeads, capacity, headDim], generator: generator).to(dtype);
        return (query, keys, values);
    }

    // scaled_dot_product_attention with the kv heads repeated for their query heads (transformers' repeat_kv).
    private static Tensor Reference(Tensor query, Tensor keys, Tensor values, int length)
    {
        int groups = (int)(query.shape[1] / keys.shape[1]);
        var k = keys.narrow(2, 0, length).repeat_interleave(groups, 1);
        var v = values.narrow(2, 0, length).repeat_interleave(groups, 1);
        return nn.functional.scaled_dot_product_attention(query, k, v, null);
    }
}
