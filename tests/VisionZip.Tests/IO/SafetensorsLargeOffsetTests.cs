using System.Text;
using VisionZip.Models.IO;
using static TorchSharp.torch;

namespace VisionZip.Tests.IO;

public class SafetensorsLargeOffsetTests
{
    [Fact]
    public void Tensor_stored_beyond_2_GiB_reads_from_a_sparse_file()
    {
        const long hugeBytes = 2_200_000_000; // > 2^31, never read
        float[] small = [1.5f, -2f, 3.25f, 1e-7f];
        using var directory = new TempDirectory();
        string path = directory.File("sparse.safetensors");
        string header = $$$"""{"huge":{"dtype":"U8","shape":[{{{hugeBytes}}}],"data_offsets":[0,{{{hugeBytes}}}]},"small":{"dtype":"F32","shape":[4],"data_offsets":[{{{hugeBytes}}},{{{hugeBytes + 16}}}]}}""";
        byte[] json = Encoding.UTF8.GetBytes(header);
        using (var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write))
        {
            stream.Write(BitConverter.GetBytes((ulong)json.Length));
            stream.Write(json);
            stream.SetLength(8 + json.Length + hugeBytes + 16); // a hole, not 2 GB of disk
            stream.Seek(-16, SeekOrigin.End);
            stream.Write(small.SelectMany(BitConverter.GetBytes).ToArray());
        }

        using var scope = NewDisposeScope();
        using var file = SafetensorsFile.Open(path);

        Assert.Equal(hugeBytes, file.Tensors["huge"].ByteLength);
        Assert.True(file.Tensors["small"].Begin > int.MaxValue);
        Assert.Equal(small, file.Read("small").data<float>().ToArray());
    }
}
