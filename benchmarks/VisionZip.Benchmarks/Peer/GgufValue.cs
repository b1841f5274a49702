using System.Globalization;

namespace VisionZip.Benchmarks.Peer;

/// <summary>
/// One GGUF metadata value: a scalar, a string, or an array of one element type. Arrays hold a typed .NET array
/// (<c>uint[]</c>, <c>int[]</c>, <c>float[]</c>, <c>string[]</c>, ...), scalars their boxed value.
/// </summary>
public sealed record GgufValue(GgufValueType Type, object Value, GgufValueType ElementType = GgufValueType.UInt8)
{
    /// <summary>A UTF-8 string.</summary>
    public static GgufValue String(string value) => new(GgufValueType.String, value);

    /// <summary>An unsigned 32-bit integer (llama.cpp's sizes and token ids).</summary>
    public static GgufValue UInt32(uint value) => new(GgufValueType.UInt32, value);

    /// <summary>A 32-bit float.</summary>
    public static GgufValue Float32(float value) => new(GgufValueType.Float32, value);

    /// <summary>A boolean (one byte).</summary>
    public static GgufValue Bool(bool value) => new(GgufValueType.Bool, value);

    /// <summary>An array of strings.</summary>
    public static GgufValue Strings(string[] values) => new(GgufValueType.Array, values, GgufValueType.String);

    /// <summary>An array of 32-bit floats.</summary>
    public static GgufValue Float32s(float[] values) => new(GgufValueType.Array, values, GgufValueType.Float32);

    /// <summary>An array of signed 32-bit integers.</summary>
    public static GgufValue Int32s(int[] values) => new(GgufValueType.Array, values, GgufValueType.Int32);

    /// <summary>The value as a string (scalars formatted invariantly; arrays as their element count).</summary>
    public override string ToString() => Type == GgufValueType.Array
        ? string.Create(CultureInfo.InvariantCulture, $"[{((Array)Value).Length} x {ElementType}]")
        : Convert.ToString(Value, CultureInfo.InvariantCulture) ?? "";
}
