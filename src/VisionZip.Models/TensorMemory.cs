using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace VisionZip.Models;

/// <summary>Raw access to a CPU tensor's memory for the SIMD kernels (matrix-vector products, attention).</summary>
internal static unsafe class TensorMemory
{
    /// <summary>
    /// The address of the tensor's first element (storage offset included). The tensor must be contiguous, on the CPU
    /// and under 2 GiB, and must stay alive (and unmoved) while the address is used.
    /// </summary>
    public static nint Address(Tensor tensor) => (nint)Unsafe.AsPointer(ref MemoryMarshal.GetReference(tensor.bytes));
}
