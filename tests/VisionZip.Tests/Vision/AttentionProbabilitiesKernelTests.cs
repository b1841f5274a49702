using VisionZip.Models;
using VisionZip.Models.Vision;
using VisionZip.Runtime;
using static TorchSharp.torch;

namespace VisionZip.Tests.Vision;

/// <summary>
/// The SIMD kernel behind the bf16 encoder attention's probabilities against torch's float32 matmul, softmax and
/// conversion: the same values up to the order of float32 additions (one bf16 step where a value sits on a rounding
/// boundary), on token counts that fill no register block or vector, and rounding exactly like torch's conversion.
/// </summary>
public sealed class AttentionProbabilitiesKernelTests
{
    public AttentionProbabilitiesKernelTests()
    {
        TorchRuntime.EnsureLoaded();
    }

    public static TheoryData<int, int, int, double> Shapes => new()
    {
        // heads, tokens, head_dim, spread of the inputs
        { 1, 1, 8, 1.0 },      // a single token: probability 1
        { 3, 17, 16, 1.0 },    // the tiny fixtures' size: 2 blocks of 6 rows + 5, one 16-column vector + 1
        { 2, 37, 24, 2.0 },    // one 32-column block + a 16-column vector, rows 6 x 6 + 1
        { 2, 32, 16, 1.0 },    // a whole number of vectors: no padding columns
        { 6, 577, 64, 1.0 },   // CLIP-L/336
        { 2, 730, 72, 3.0 },   // SigLIP so400m/384 with peaked rows
        { 1, 50, 64, 12.0 },   // nearly one-hot rows
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Matches_torch_float32_scores_softmax_and_rounding(int heads, int tokens, int headDim, double spread)
    {
        Assert.True(AttentionProbabilitiesKernel.IsSupported, "these tests need a CPU with AVX-512F");
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var generator = new Generator((ulong)(tokens + headDim));
        // Strided views of one fused [1, N, 2, H, Dh] tensor, the way the encoder's projection is split.
        var fused = (randn([1, tokens, 2, heads, headDim], generator: generator) * spread).to(ScalarType.BFloat16);
        var parts = fused.permute(2, 0, 3, 1, 4);
        double scale = 1.0 / Math.Sqrt(headDim);

        var kernel = EncoderSelfAttention.Probabilities(parts[0], parts[1], scale, useKernel: true);
        var reference = EncoderSelfAttention.Probabilities(parts[0], parts[1], scale, useKernel: false);

        Assert.Equal(ScalarType.BFloat16, kernel.dtype);
        Assert.Equal(new long[] { 1, heads, tokens, tokens }, kernel.shape);
        var ours = kernel.to(ScalarType.Float64);
        var torchs = reference.to(ScalarType.Float64);
        // A bf16 step is 2^-8 to 2^-7 of the value: at most one step apart, where the float32 values straddle a rounding boundary.
        var allowed = torchs.abs() * Math.Pow(2, -7) + 1e-30;
        var excessAll = ((ours - torchs).abs() - allowed).flatten();
        long worst = excessAll.argmax().item<long>();
        double excess = excessAll[worst].item<double>();
        Assert.True(excess <= 0, $"a probability differs by more than one bf16 step (by {excess:G3} beyond it): ours {ours.flatten()[worst].item<double>():G9}, torch {torchs.flatten()[worst].item<double>():G9} at {worst}");
        // Most values are bit-identical: the sums differ only in the order of additions.
        double identical = ours.eq(torchs).to(ScalarType.Float64).mean().item<double>();
        Assert.True(identical > 0.95, $"only {identical:P1} of the probabilities are bit-identical to torch's");
        var rowSums = ours.sum(-1);
        Assert.True((rowSums - 1).abs().max().item<double>() < tokens * Math.Pow(2, -8), "rows sum to 1 within the rounding");
    }

    [Fact]
    public void Rounds_to_nearest_even_like_torch_in_scalar_and_vector_form()
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(5);
        // Random floats of every magnitude in (0, 1], plus exact ties (low 16 bits 0x8000) with even and odd upper halves.
        var random = rand([4096], generator: generator).pow(8).add(1e-30).to(ScalarType.Float32);
        var values = random.data<float>().ToArray()
            .Concat([BitConverter.UInt32BitsToSingle(0x3F808000u), BitConverter.UInt32BitsToSingle(0x3F818000u),
                     BitConverter.UInt32BitsToSingle(0x3F80FFFFu), BitConverter.UInt32BitsToSingle(0x3F807FFFu), 1f, 0f])
            .ToArray();
        var expected = tensor(values).to(ScalarType.BFloat16);
        var expectedBits = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, ushort>(expected.bytes).ToArray();
        for (int i = 0; i < values.Length; i++)
        {
            Assert.Equal(expectedBits[i], BFloat16Bits.Round(values[i]));
            var lanes = BFloat16Bits.Round(System.Runtime.Intrinsics.Vector512.Create(values[i]));   // the kernels' vector form
            Assert.Equal(expectedBits[i], (ushort)lanes[i % 16]);
        }
    }
}
