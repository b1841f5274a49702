using TorchSharp;
using VisionZip.Models.Language;
using VisionZip.Models.Language.MatVec;
using VisionZip.Runtime;
using VisionZip.Tests.Support;
using static TorchSharp.torch;

namespace VisionZip.Tests.Language;

/// <summary>
/// The decode-step matrix-vector kernels against torch's linear: every tail length of the SIMD loops (inputs not a
/// multiple of 16, 32 or 64), bias, the parallel row split, and the cases they must decline.
/// </summary>
public sealed class SingleTokenLinearTests
{
    public SingleTokenLinearTests()
    {
        TorchRuntime.EnsureLoaded();
        // The kernels need AVX-512 (this project's CI machine has it); elsewhere they decline and torch runs instead.
        Assert.True(SingleTokenLinear.IsSupported && Int8MatVec.IsSupported, "these tests need a CPU with AVX-512F");
    }

    public static TheoryData<int, int, bool> Shapes => new()
    {
        { 5, 64, false },     // one 64-wide iteration, no tail
        { 7, 176, true },     // llama-tiny's MLP width: 2 x 64 + 32 + 16 (+ bias)
        { 3, 100, false },    // scalar tail of 4
        { 9, 15, true },      // shorter than one vector
        { 300, 1024, false }, // 1.2 MB of float32: split over the cores
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Float32_matches_torch_linear(int outputs, int inputs, bool withBias)
    {
        using var scope = NewDisposeScope();
        using var generator = new TorchSharp.torch.Generator((ulong)(outputs * 1000 + inputs));
        var weight = randn(outputs, inputs, generator: generator);
        var bias = withBias ? randn(outputs, generator: generator) : null;
        var input = randn(1, 1, inputs, generator: generator);
        Assert.True(SingleTokenLinear.TryDense(input, weight, bias, out var actual));
        Assert.Equal(ScalarType.Float32, actual.dtype);
        TensorAssert.Close(nn.functional.linear(input, weight, bias), actual, $"float32 {outputs}x{inputs}", relative: 1e-5);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void BFloat16_equals_the_float32_sum_rounded_once(int outputs, int inputs, bool withBias)
    {
        using var scope = NewDisposeScope();
        using var generator = new TorchSharp.torch.Generator((ulong)(outputs * 1000 + inputs) + 1);
        var weight = randn(outputs, inputs, generator: generator).to(ScalarType.BFloat16);
        var bias = withBias ? randn(outputs, generator: generator).to(ScalarType.BFloat16) : null;
        var input = randn(1, inputs, generator: generator).to(ScalarType.BFloat16);
        Assert.True(SingleTokenLinear.TryDense(input, weight, bias, out var actual));
        Assert.Equal(ScalarType.BFloat16, actual.dtype);
        Assert.Equal(new long[] { 1, outputs }, actual.shape);

        // The exact sum of the bf16 values in float64; the kernel sums in float32 then rounds to bf16 once.
        var exact = nn.functional.linear(input.to(ScalarType.Float64), weight.to(ScalarType.Float64), bias?.to(ScalarType.Float64));
        var difference = (actual.to(ScalarType.Float64) - exact).abs();
        var allowed = exact.abs() * (1.0 / 128) + 1e-4 * exact.abs().max(); // one bf16 rounding (2^-8 relative) plus float32 sums
        Assert.True(difference.le(allowed).all().item<bool>(),
            $"bf16 {outputs}x{inputs}: max |diff| {difference.max().item<double>():G4}");
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Int8_matches_torch_linear_over_the_dequantised_weight(int outputs, int inputs, bool withBias)
    {
        using var scope = NewDisposeScope();
        using var generator = new TorchSharp.torch.Generator((ulong)(outputs * 1000 + inputs) + 2);
        var (quantized, scales) = Int8Quantizer.PerOutputChannel(randn(outputs, inputs, generator: generator));
        using var ownedQuantized = quantized;
        using var ownedScales = scales;
        var bias = withBias ? randn(outputs, generator: generator) : null;
        var input = randn(1, 1, inputs, generator: generator);
        Assert.True(SingleTokenLinear.TryInt8(input, quantized, scales, bias, out var actual));
        var dequantised = quantized.to(ScalarType.Float32) * scales.unsqueeze(1);
        // The kernel rounds the input to int16 (max |input| / 65534 per element): the fixtures' 1e-4 rule, not float32's 1e-5.
        TensorAssert.Close(nn.functional.linear(input, dequantised, bias), actual, $"int8 {outputs}x{inputs}");
    }

    [Fact]
    public void Declines_what_it_does_not_run()
    {
        using var scope = NewDisposeScope();
        var weight = randn(8, 32);
        Assert.False(SingleTokenLinear.TryDense(randn(1, 2, 32), weight, null, out _));                     // two tokens
        Assert.False(SingleTokenLinear.TryDense(randn(1, 1, 32).to(ScalarType.Float16), weight.to(ScalarType.Float16), null, out _));
        Assert.False(SingleTokenLinear.TryDense(randn(1, 1, 32), weight.to(ScalarType.BFloat16), null, out _)); // dtypes differ
        var transposed = randn(32, 8).t();                                                                      // not contiguous
        Assert.False(SingleTokenLinear.TryDense(randn(1, 1, 32), transposed, null, out _));
    }

    [Fact]
    public void Quantizer_rounds_each_row_to_its_own_scale()
    {
        using var scope = NewDisposeScope();
        var weight = tensor(new float[] { 1f, -2f, 0.5f, 0f, 0f, 0f }).view(2, 3);
        var (quantized, scales) = Int8Quantizer.PerOutputChannel(weight);
        using var ownedQuantized = quantized;
        using var ownedScales = scales;
        // Row 0: scale 2/127, so 1 -> 63.5 -> 64 (half to even), -2 -> -127, 0.5 -> 31.75 -> 32. Row 1: all zero, scale 1.
        Assert.Equal(new sbyte[] { 64, -127, 32, 0, 0, 0 }, quantized.data<sbyte>().ToArray());
        Assert.Equal(new float[] { 2f / 127f, 1f }, scales.data<float>().ToArray());
    }

    [Fact]
    public void Repeated_calls_leave_no_tensor_alive()
    {
        var statistics = DisposeScopeManager.Statistics;
        using var weight = randn(40, 96);
        using var weight16 = weight.to(ScalarType.BFloat16);
        using var input = randn(1, 1, 96);
        using var input16 = input.to(ScalarType.BFloat16);
        var (quantized, scales) = Int8Quantizer.PerOutputChannel(weight);
        using var ownedQuantized = quantized;
        using var ownedScales = scales;
        long before = statistics.ThreadTotalLiveCount;
        for (int i = 0; i < 20; i++)
        {
            Assert.True(SingleTokenLinear.TryDense(input, weight, null, out var dense));
            dense.Dispose();
            Assert.True(SingleTokenLinear.TryDense(input16, weight16, null, out var half));
            half.Dispose();
            Assert.True(SingleTokenLinear.TryInt8(input16, quantized, scales, null, out var int8));
            int8.Dispose();
        }

        Assert.Equal(before, statistics.ThreadTotalLiveCount);
    }
}
