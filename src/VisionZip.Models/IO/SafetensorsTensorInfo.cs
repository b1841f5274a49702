using static TorchSharp.torch;

namespace VisionZip.Models.IO;

/// <summary>One tensor's entry in a safetensors header.</summary>
/// <param name="Name">Tensor name as stored (e.g. <c>vision_model.embeddings.patch_embedding.weight</c>).</param>
/// <param name="DType">Safetensors dtype name (e.g. <c>F32</c>).</param>
/// <param name="Type">The matching TorchSharp scalar type.</param>
/// <param name="Shape">Dimensions; empty for a scalar.</param>
/// <param name="Begin">Byte offset of the first element, relative to the data section.</param>
/// <param name="End">Byte offset one past the last element, relative to the data section.</param>
public sealed record SafetensorsTensorInfo(string Name, string DType, ScalarType Type, long[] Shape, long Begin, long End)
{
    /// <summary>Number of elements (product of <see cref="Shape"/>).</summary>
    public long ElementCount => Shape.Aggregate(1L, (a, b) => a * b);

    /// <summary>Byte length of the stored data.</summary>
    public long ByteLength => End - Begin;
}
