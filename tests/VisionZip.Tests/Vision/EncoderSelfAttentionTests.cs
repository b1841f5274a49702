using VisionZip.Models.Vision;
using VisionZip.Runtime;
using VisionZip.Tests.Support;
using static TorchSharp.torch;

namespace VisionZip.Tests.Vision;

/// <summary>
/// The encoder's attention: float32 stays torch's SDPA (the parity path), bfloat16 on the CPU runs as explicit products
/// and must be as close to the exact attention as SDPA's bfloat16 kernel is, chunked over images without changing a bit,
/// on strided views like the fused projection's.
/// </summary>
public sealed class EncoderSelfAttentionTests
{
    public EncoderSelfAttentionTests()
    {
        TorchRuntime.EnsureLoaded();
    }

    public static TheoryData<int, int, int, int, double> Shapes => new()
    {
        // batch, heads, tokens, head_dim, spread of the scores
        { 1, 4, 17, 16, 1.0 },     // the tiny fixtures' size
        { 2, 16, 577, 64, 1.0 },   // CLIP-L/336, two images
        { 1, 16, 730, 72, 3.0 },   // SigLIP so400m/384 (head_dim 72: the scale is not a power of two), peaked scores
        { 3, 2, 50, 24, 8.0 },     // nearly one-hot rows
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void BFloat16_is_as_close_to_the_exact_attention_as_sdpa(int batch, int heads, int tokens, int headDim, double spread)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var (query, key, value) = StridedInputs(batch, heads, tokens, headDim, spread, ScalarType.BFloat16);
        double scale = 1.0 / Math.Sqrt(headDim);
        Assert.True(EncoderSelfAttention.UsesExplicitProducts(query));

        var actual = EncoderSelfAttention.Compute(query, key, value, scale);
        Assert.Equal(ScalarType.BFloat16, actual.dtype);
        Assert.Equal(new long[] { batch, heads, tokens, headDim }, actual.shape);

        // The exact attention of the same bf16 inputs, in float64; and what torch's bf16 kernel gives.
        var exact = Exact(query.to(ScalarType.Float64), key.to(ScalarType.Float64), value.to(ScalarType.Float64), scale);
        var sdpa = nn.functional.scaled_dot_product_attention(query, key, value);
        double ours = (actual.to(ScalarType.Float64) - exact).abs().max().item<double>();
        double torchs = (sdpa.to(ScalarType.Float64) - exact).abs().max().item<double>();
        double magnitude = exact.abs().max().item<double>();
        // float32 scores and softmax, probabilities rounded to bf16 once: the fused kernel's numerics, so within one bf16
        // step of the output (scores rounded to bf16 first were 0.81 off at magnitude 12.8 here, SDPA 0.03).
        Assert.True(ours <= Math.Max(2 * torchs, magnitude / 128),
            $"explicit bf16 max |diff| {ours:G4} vs SDPA bf16 {torchs:G4} (output magnitude {magnitude:G4})");
    }

    [Fact]
    public void Chunks_of_heads_give_the_same_bits_as_one_pass()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var (query, key, value) = StridedInputs(5, 4, 33, 16, 1.0, ScalarType.BFloat16);
        double scale = 0.25;
        var whole = EncoderSelfAttention.Compute(query, key, value, scale, long.MaxValue);
        var chunked = EncoderSelfAttention.Compute(query, key, value, scale, 3L * 33 * 33);   // 3 heads per chunk: 3 + 1
        Assert.True(whole.eq(chunked).all().item<bool>());
        var oneByOne = EncoderSelfAttention.Compute(query, key, value, scale, 1);             // under one head: still one per chunk
        Assert.True(whole.eq(oneByOne).all().item<bool>());
        Assert.False(whole.isnan().any().item<bool>());
    }

    [Fact]
    public void Float32_is_torch_sdpa_exactly()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var (query, key, value) = StridedInputs(2, 4, 17, 16, 1.0, ScalarType.Float32);
        Assert.False(EncoderSelfAttention.UsesExplicitProducts(query));
        var actual = EncoderSelfAttention.Compute(query, key, value, 0.25);
        var expected = nn.functional.scaled_dot_product_attention(query, key, value);
        Assert.True(expected.eq(actual).all().item<bool>());
        TensorAssert.Close(Exact(query.to(ScalarType.Float64), key.to(ScalarType.Float64), value.to(ScalarType.Float64), 0.25).to(ScalarType.Float32),
            actual, "float32 attention", relative: 1e-5);
    }

    [Fact]
    public void Inputs_that_record_gradients_keep_sdpa()
    {
        using var scope = NewDisposeScope();
        var (query, key, value) = StridedInputs(1, 2, 9, 8, 1.0, ScalarType.BFloat16);
        var tracked = query.detach().clone().requires_grad_(true);
        Assert.False(EncoderSelfAttention.UsesExplicitProducts(tracked));
        var output = EncoderSelfAttention.Compute(tracked, key, value, 1.0 / Math.Sqrt(8));
        Assert.True(output.requires_grad);
    }

    // q, k, v as views of one [B, N, 3, H, Dh] tensor, the way VisionAttention splits its fused projection.
    private static (Tensor Query, Tensor Key, Tensor Value) StridedInputs(int batch, int heads, int tokens, int headDim, double spread, ScalarType dtype)
    {
        using var generator = new Generator((ulong)(11 + tokens));
        var fused = (randn([batch, tokens, 3, heads, headDim], generator: generator) * spread).to(dtype);
        var parts = fused.permute(2, 0, 3, 1, 4);                                            // [3, B, H, N, Dh]
        return (parts[0], parts[1], parts[2]);
    }

    private static Tensor Exact(Tensor query, Tensor key, Tensor value, double scale) =>
        query.matmul(key.transpose(-1, -2)).mul(scale).softmax(-1).matmul(value);
}
