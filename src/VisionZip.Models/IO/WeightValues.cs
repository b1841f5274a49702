using System.Numerics;
using System.Runtime.InteropServices;
using VisionZip.Models.Errors;
using static TorchSharp.torch;

namespace VisionZip.Models.IO;

/// <summary>Cheap sanity checks on the values of a weight as it is loaded.</summary>
internal static class WeightValues
{
    /// <summary>Bytes scanned per view of a large tensor (a span is limited to 2 GiB).</summary>
    internal const long DefaultChunkBytes = 1L << 30;

    /// <summary>
    /// Throws when <paramref name="weight"/> holds NaN or infinite values. A contiguous CPU weight is scanned in place
    /// for an all-ones exponent (<see cref="AllFinite"/>), so the check allocates nothing and runs at memory speed;
    /// the bad values are only counted when there are some.
    /// </summary>
    /// <exception cref="CheckpointException">Names the file, the tensor, how many values are bad and the first one.</exception>
    public static void RequireFinite(Tensor weight, string file, string name)
    {
        if (!is_floating_point(weight) || weight.numel() == 0 || weight.device.type == TorchSharp.DeviceType.META ||
            AllFinite(weight))
        {
            return;
        }

        using var scope = NewDisposeScope();
        var bad = isfinite(weight).logical_not();
        long count = bad.sum().item<long>();
        long first = bad.flatten().nonzero()[0, 0].item<long>();
        double value = weight.flatten()[first].to_type(ScalarType.Float64).item<double>();
        throw new CheckpointException(file,
            $"{file}: tensor '{name}' holds {count} non-finite value(s) of {weight.numel()} as {weight.dtype} (the first, {value}, " +
            $"at flat index {first}); the checkpoint is corrupt, was saved from a diverged model, or overflows the chosen dtype",
            tensor: name);
    }

    /// <summary>
    /// Whether every value of a floating-point tensor is finite. IEEE formats and bfloat16 mark NaN and infinity with an
    /// exponent of all ones, so a contiguous CPU tensor is scanned for that bit pattern in views of at most
    /// <paramref name="chunkBytes"/>; torch's <c>isfinite</c> (a mask the size of the tensor, and for bfloat16 four
    /// passes with temporaries: most of a 7B model's load time) only runs for other devices, layouts and dtypes.
    /// </summary>
    internal static bool AllFinite(Tensor weight, long chunkBytes = DefaultChunkBytes)
    {
        if (weight.device_type != TorchSharp.DeviceType.CPU || !weight.is_contiguous() ||
            weight.dtype is not (ScalarType.BFloat16 or ScalarType.Float16 or ScalarType.Float32 or ScalarType.Float64))
        {
            using var scope = NewDisposeScope();
            return isfinite(weight).all().item<bool>();
        }

        using var flat = weight.flatten();
        long elementSize = weight.ElementSize;
        long perChunk = Math.Max(1, chunkBytes / elementSize);
        for (long start = 0; start < flat.numel(); start += perChunk)
        {
            using var chunk = flat.narrow(0, start, Math.Min(perChunk, flat.numel() - start));
            ReadOnlySpan<byte> bytes = chunk.bytes;
            bool finite = weight.dtype switch
            {
                ScalarType.BFloat16 => NoneAllOnes<ushort>(bytes, 0x7F80),
                ScalarType.Float16 => NoneAllOnes<ushort>(bytes, 0x7C00),
                ScalarType.Float32 => NoneAllOnes<uint>(bytes, 0x7F800000u),
                _ => NoneAllOnes<ulong>(bytes, 0x7FF0000000000000ul),
            };
            if (!finite)
            {
                return false;
            }
        }

        return true;
    }

    // True when no element has every bit of `exponent` set.
    private static bool NoneAllOnes<T>(ReadOnlySpan<byte> bytes, T exponent) where T : unmanaged, IBinaryInteger<T>
    {
        var values = MemoryMarshal.Cast<byte, T>(bytes);
        var mask = new Vector<T>(exponent);
        int i = 0;
        for (; i <= values.Length - Vector<T>.Count; i += Vector<T>.Count)
        {
            if (Vector.EqualsAny(new Vector<T>(values.Slice(i)) & mask, mask))
            {
                return false;
            }
        }

        for (; i < values.Length; i++)
        {
            if ((values[i] & exponent) == exponent)
            {
                return false;
            }
        }

        return true;
    }
}
