using static TorchSharp.torch;

namespace VisionZip.Models.IO;

/// <summary>Element types of the safetensors format and their TorchSharp equivalents.</summary>
public static class SafetensorsDType
{
    private static readonly Dictionary<string, (ScalarType Type, int Size)> ByName = new(StringComparer.Ordinal)
    {
        ["F64"] = (ScalarType.Float64, 8),
        ["F32"] = (ScalarType.Float32, 4),
        ["F16"] = (ScalarType.Float16, 2),
        ["BF16"] = (ScalarType.BFloat16, 2),
        ["I64"] = (ScalarType.Int64, 8),
        ["I32"] = (ScalarType.Int32, 4),
        ["I16"] = (ScalarType.Int16, 2),
        ["I8"] = (ScalarType.Int8, 1),
        ["U8"] = (ScalarType.Byte, 1),
        ["BOOL"] = (ScalarType.Bool, 1),
    };

    /// <summary>
    /// The supported names in the order of the reference implementation's <c>Dtype</c> enum; its writer
    /// stores tensors by descending rank here (then by name), which keeps each tensor aligned.
    /// </summary>
    private static readonly string[] ReferenceOrder = ["BOOL", "U8", "I8", "I16", "F16", "BF16", "I32", "F32", "F64", "I64"];

    /// <summary>The dtype names this library reads and writes.</summary>
    public static IReadOnlyCollection<string> Supported => ByName.Keys;

    /// <summary>Maps a safetensors dtype name (e.g. <c>BF16</c>) to a scalar type and element size.</summary>
    public static bool TryParse(string name, out ScalarType type, out int elementSize)
    {
        if (ByName.TryGetValue(name, out var entry))
        {
            (type, elementSize) = entry;
            return true;
        }

        (type, elementSize) = (default, 0);
        return false;
    }

    /// <summary>The safetensors dtype name of a scalar type.</summary>
    /// <exception cref="ArgumentException">The type has no safetensors name (e.g. complex types).</exception>
    public static string NameOf(ScalarType type)
    {
        foreach (var (name, entry) in ByName)
        {
            if (entry.Type == type)
            {
                return name;
            }
        }

        throw new ArgumentException($"scalar type {type} cannot be stored in safetensors (supported: {string.Join(", ", ByName.Keys)})", nameof(type));
    }

    /// <summary>Position of a supported dtype name in the reference implementation's <c>Dtype</c> order.</summary>
    internal static int ReferenceRank(string name) => Array.IndexOf(ReferenceOrder, name);
}
