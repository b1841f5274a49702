using VisionZip.Models.Language;
using VisionZip.Models.Language.MatVec;
using VisionZip.Runtime;
using static TorchSharp.torch;

namespace VisionZip.Tests.Language;

/// <summary>The int8 prompt path's dequantisation against torch's <c>(q.float() * scales[:, None]).to(dtype)</c>, bit for bit.</summary>
public sealed class Int8DequantizerTests
{
    public Int8DequantizerTests() => TorchRuntime.EnsureLoaded();

    [Theory]
    [InlineData(3, 37, ScalarType.Float32)]      // tails of both loops
    [InlineData(3, 37, ScalarType.BFloat16)]
    [InlineData(5, 64, ScalarType.BFloat16)]     // whole vectors only
    [InlineData(300, 1000, ScalarType.Float32)]  // rows split over the cores
    [InlineData(300, 1000, ScalarType.BFloat16)]
    public void Equals_torch_bit_for_bit(int rows, int columns, ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        using var generator = new TorchSharp.torch.Generator((ulong)(rows * 31 + columns));
        var (quantized, scales) = Int8Quantizer.PerOutputChannel(randn([rows, columns], generator: generator) * 3);
        using var ownedQuantized = quantized;
        using var ownedScales = scales;
        var expected = (quantized.to(ScalarType.Float32) * scales.unsqueeze(1)).to(dtype);
        var actual = Int8Dequantizer.TryDense(quantized, scales, dtype);
        Assert.NotNull(actual);
        Assert.Equal(dtype, actual!.dtype);
        Assert.True(expected.contiguous().bytes.SequenceEqual(actual.bytes),
            $"{rows}x{columns} {dtype}: bits differ");
    }

    [Fact]
    public void Declines_other_dtypes()
    {
        using var scope = NewDisposeScope();
        var (quantized, scales) = Int8Quantizer.PerOutputChannel(randn(4, 8));
        using var ownedQuantized = quantized;
        using var ownedScales = scales;
        Assert.Null(Int8Dequantizer.TryDense(quantized, scales, ScalarType.Float16));
        Assert.Null(Int8Dequantizer.TryDense(quantized, scales, ScalarType.Float64));
    }
}
