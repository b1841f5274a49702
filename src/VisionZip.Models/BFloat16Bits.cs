using System.Runtime.Intrinsics;

namespace VisionZip.Models;

/// <summary>
/// float32 to bfloat16 bits for the SIMD kernels, rounding to nearest with ties to even (what torch's conversion does).
/// Finite inputs only: a NaN whose payload sits in the low half could round to infinity.
/// </summary>
internal static class BFloat16Bits
{
    /// <summary>The bfloat16 bits of each lane, in the low half of the lane.</summary>
    public static Vector512<uint> Round(Vector512<float> values)
    {
        var bits = values.AsUInt32();
        var odd = Vector512.ShiftRightLogical(bits, 16) & Vector512<uint>.One;
        return Vector512.ShiftRightLogical(bits + Vector512.Create(0x7FFFu) + odd, 16);
    }

    /// <summary>The bfloat16 bits of one value.</summary>
    public static ushort Round(float value)
    {
        uint bits = BitConverter.SingleToUInt32Bits(value);
        return (ushort)((bits + 0x7FFFu + ((bits >> 16) & 1u)) >> 16);
    }
}
