using System.Text;
using System.Text.Json;
using static TorchSharp.torch;

namespace VisionZip.Tests.Vision;

/// <summary>Writes small F32 safetensors files for tests (a broken copy of a fixture checkpoint).</summary>
internal static class TestSafetensorsWriter
{
    public static void Write(string path, IReadOnlyList<(string Name, Tensor Tensor)> tensors)
    {
        var header = new Dictionary<string, object>();
        long offset = 0;
        var blobs = new List<byte[]>();
        foreach (var (name, tensor) in tensors)
        {
            using var contiguous = tensor.to(ScalarType.Float32).contiguous();
            byte[] data = contiguous.bytes.ToArray();
            header[name] = new { dtype = "F32", shape = tensor.shape, data_offsets = new[] { offset, offset + data.Length } };
            offset += data.Length;
            blobs.Add(data);
        }

        byte[] json = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(header));
        using var stream = File.Create(path);
        stream.Write(BitConverter.GetBytes((ulong)json.Length));
        stream.Write(json);
        blobs.ForEach(b => stream.Write(b));
    }
}
