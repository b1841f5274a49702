using static TorchSharp.torch;

namespace VisionZip.Tests.Core;

/// <summary>Bit-for-bit equality of two tensors (same dtype, shape and values).</summary>
internal static class TensorsEqual
{
    internal static bool Same(Tensor expected, Tensor actual)
    {
        using var scope = NewDisposeScope();
        return expected.dtype == actual.dtype && expected.shape.SequenceEqual(actual.shape) && expected.eq(actual).all().item<bool>();
    }
}
