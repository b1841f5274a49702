using TorchSharp;
using static TorchSharp.torch;

namespace VisionZip.Tests.Support;

/// <summary>The fixtures' comparison rules in one place (see tests/fixtures/FIXTURES.md, "Tolerances").</summary>
public static class TensorAssert
{
    /// <summary>
    /// Float rule: <c>max|actual - golden| &lt;= 1e-4 * max|golden| + 1e-6</c>, per tensor.
    /// Reports the largest difference and where it is.
    /// </summary>
    public static void Close(Tensor golden, Tensor actual, string what, double relative = 1e-4, double absolute = 1e-6)
    {
        using var scope = NewDisposeScope();
        Assert.True(golden.shape.SequenceEqual(actual.shape),
            $"{what}: shape [{string.Join(", ", actual.shape)}], golden [{string.Join(", ", golden.shape)}]");
        if (golden.numel() == 0)
        {
            return;
        }

        var expected = golden.to(ScalarType.Float64).cpu();
        var got = actual.to(ScalarType.Float64).cpu();
        var difference = (got - expected).abs();
        double maxDifference = difference.max().item<double>();
        double bound = relative * expected.abs().max().item<double>() + absolute;
        if (!(maxDifference <= bound))
        {
            long flatIndex = difference.flatten().argmax().item<long>();
            Assert.Fail($"{what}: max |diff| {maxDifference:G6} > bound {bound:G6} at flat index {flatIndex} " +
                $"(actual {got.flatten()[flatIndex].item<double>():G8}, golden {expected.flatten()[flatIndex].item<double>():G8})");
        }
    }

    /// <summary>Pixel rule: <c>max|actual - golden| &lt;= 1e-5</c>.</summary>
    public static void PixelsClose(Tensor golden, Tensor actual, string what) => Close(golden, actual, what, relative: 0, absolute: 1e-5);

    /// <summary>Exact equality for integer tensors (indices, token ids, uint8 images).</summary>
    public static void Equal(Tensor golden, Tensor actual, string what)
    {
        using var scope = NewDisposeScope();
        Assert.True(golden.shape.SequenceEqual(actual.shape),
            $"{what}: shape [{string.Join(", ", actual.shape)}], golden [{string.Join(", ", golden.shape)}]");
        var expected = golden.to(ScalarType.Int64).cpu();
        var got = actual.to(ScalarType.Int64).cpu();
        var mismatch = expected.ne(got);
        long count = mismatch.sum().item<long>();
        if (count != 0)
        {
            long first = mismatch.flatten().nonzero()[0, 0].item<long>();
            Assert.Fail($"{what}: {count} of {expected.numel()} entries differ; first at flat index {first} " +
                $"(actual {got.flatten()[first].item<long>()}, golden {expected.flatten()[first].item<long>()})");
        }
    }
}
