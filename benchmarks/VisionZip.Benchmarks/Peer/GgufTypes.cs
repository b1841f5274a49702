namespace VisionZip.Benchmarks.Peer;

/// <summary>The type tag of a GGUF metadata value (gguf.md, "gguf_metadata_value_type").</summary>
public enum GgufValueType : uint
{
    UInt8 = 0,
    Int8 = 1,
    UInt16 = 2,
    Int16 = 3,
    UInt32 = 4,
    Int32 = 5,
    Float32 = 6,
    Bool = 7,
    String = 8,
    Array = 9,
    UInt64 = 10,
    Int64 = 11,
    Float64 = 12,
}

/// <summary>
/// The ggml tensor types this benchmark writes or recognises when reading back (ggml.h numbering). Only F32, F16 and
/// BF16 are written here; the quantised types are produced by llama.cpp's own quantiser and only named when read.
/// </summary>
public enum GgmlType : uint
{
    F32 = 0,
    F16 = 1,
    Q4_0 = 2,
    Q4_1 = 3,
    Q5_0 = 6,
    Q5_1 = 7,
    Q8_0 = 8,
    Q8_1 = 9,
    Q2_K = 10,
    Q3_K = 11,
    Q4_K = 12,
    Q5_K = 13,
    Q6_K = 14,
    Q8_K = 15,
    BF16 = 30,
}

/// <summary>llama.cpp's per-token attribute in <c>tokenizer.ggml.token_type</c> (llama_token_type).</summary>
public enum GgufTokenType
{
    Normal = 1,
    Unknown = 2,
    Control = 3,
    UserDefined = 4,
    Unused = 5,
    Byte = 6,
}

/// <summary>Constants of the GGUF container, version 3.</summary>
public static class Gguf
{
    /// <summary>"GGUF" read as a little-endian uint32.</summary>
    public const uint Magic = 0x46554747;

    /// <summary>The version this writer produces and the reader accepts.</summary>
    public const uint Version = 3;

    /// <summary>The default (and here the only) alignment of the tensor data section and of every tensor in it.</summary>
    public const int Alignment = 32;

    /// <summary>Bytes per element of an unquantised type.</summary>
    /// <exception cref="NotSupportedException">A quantised type (its size is per block, not per element).</exception>
    public static int ElementSize(GgmlType type) => type switch
    {
        GgmlType.F32 => 4,
        GgmlType.F16 or GgmlType.BF16 => 2,
        _ => throw new NotSupportedException($"ggml type {type} is block-quantised; this writer stores only F32, F16 and BF16"),
    };

    /// <summary>Rounds <paramref name="offset"/> up to a multiple of <see cref="Alignment"/>.</summary>
    public static long Align(long offset) => (offset + Alignment - 1) / Alignment * Alignment;
}
