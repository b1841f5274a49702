using static TorchSharp.torch;

namespace VisionZip.Tests.Generality;

/// <summary>Bit-for-bit equality of two tensors (shape, dtype and every byte), for the invariance tests.</summary>
internal static class BitExact
{
    public static void Equal(Tensor expected, Tensor actual, string what)
    {
        Assert.True(expected.shape.SequenceEqual(actual.shape),
            $"{what}: shape [{string.Join(", ", actual.shape)}], expected [{string.Join(", ", expected.shape)}]");
        Assert.True(expected.dtype == actual.dtype, $"{what}: dtype {actual.dtype}, expected {expected.dtype}");
        using var scope = NewDisposeScope();
        var left = expected.detach().cpu().contiguous();
        var right = actual.detach().cpu().contiguous();
        if (left.bytes.SequenceEqual(right.bytes))
        {
            return;
        }

        var difference = (left.to(ScalarType.Float64) - right.to(ScalarType.Float64)).abs().flatten();
        long differing = difference.ne(0).sum().item<long>();
        long at = difference.argmax().item<long>();
        Assert.Fail($"{what}: not bit-identical: {differing} of {left.numel()} elements differ, largest |diff| " +
            $"{difference[at].item<double>():G6} at flat index {at} (expected {left.flatten()[at].to(ScalarType.Float64).item<double>():G9}, " +
            $"actual {right.flatten()[at].to(ScalarType.Float64).item<double>():G9})");
    }
}
