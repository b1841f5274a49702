using System.Runtime.InteropServices;
using VisionZip.Benchmarks.Peer;
using VisionZip.Models.IO;
using VisionZip.Tests.Support;
using static TorchSharp.torch;

namespace VisionZip.Tests.Peer;

/// <summary>The GGUF writer read back by the test reader: header, metadata, tensor infos, alignment, bytes.</summary>
public sealed class GgufWriterTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "visionzip-gguf-" + Guid.NewGuid().ToString("N"));

    public GgufWriterTests() => Directory.CreateDirectory(_directory);

    [Fact]
    public void MetadataAndTensorsReadBackAsWritten()
    {
        string path = Path.Combine(_directory, "small.gguf");
        var writer = new GgufWriter();
        writer.Set("general.architecture", GgufValue.String("llama"));
        writer.Set("llama.block_count", GgufValue.UInt32(7));
        writer.Set("llama.rope.freq_base", GgufValue.Float32(10000f));
        writer.Set("flag", GgufValue.Bool(true));
        writer.Set("words", GgufValue.Strings(["<s>", "é", ""]));
        writer.Set("scores", GgufValue.Float32s([0.5f, -1f]));
        writer.Set("types", GgufValue.Int32s([1, 6, 3]));
        writer.Set("llama.block_count", GgufValue.UInt32(3));   // replaces the earlier value, keeps its place
        float[] matrix = [1, 2, 3, 4, 5, 6];                    // [2, 3]: 24 bytes, so the next tensor needs padding
        writer.AddTensor("a.weight", GgmlType.F32, [2, 3], () => tensor(matrix).view(2, 3));
        writer.AddTensor("b.weight", GgmlType.BF16, [5], () => arange(5, ScalarType.Float32).to(ScalarType.BFloat16));
        writer.Write(path);

        var reader = GgufReader.Open(path);
        Assert.Equal(3u, reader.Version);
        Assert.Equal(["general.architecture", "llama.block_count", "llama.rope.freq_base", "flag", "words", "scores", "types"], reader.KeyOrder);
        Assert.Equal("llama", reader.Metadata["general.architecture"].Value);
        Assert.Equal(3u, reader.Metadata["llama.block_count"].Value);
        Assert.Equal(10000f, reader.Metadata["llama.rope.freq_base"].Value);
        Assert.Equal(true, reader.Metadata["flag"].Value);
        Assert.Equal(["<s>", "é", ""], (string[])reader.Metadata["words"].Value);
        Assert.Equal([0.5f, -1f], (float[])reader.Metadata["scores"].Value);
        Assert.Equal([1, 6, 3], (int[])reader.Metadata["types"].Value);

        Assert.Equal(0, reader.DataStart % Gguf.Alignment);
        var a = reader.Tensor("a.weight");
        var b = reader.Tensor("b.weight");
        Assert.Equal([2L, 3L], a.Shape);
        Assert.Equal(GgmlType.F32, a.Type);
        Assert.Equal(reader.DataStart, a.Offset);
        Assert.Equal(reader.DataStart + 32, b.Offset);           // 24 bytes rounded up to the 32-byte alignment
        Assert.Equal(matrix, reader.ReadFloat32("a.weight"));
        ushort[] bf16 = MemoryMarshal.Cast<byte, ushort>(reader.ReadBytes("b.weight")).ToArray();
        Assert.Equal([0x0000, 0x3F80, 0x4000, 0x4040, 0x4080], bf16.Select(x => (int)x));   // 0, 1, 2, 3, 4 in bfloat16
        Assert.Equal(0, new FileInfo(path).Length % Gguf.Alignment);
    }

    [Fact]
    public void DimensionsAreStoredFastestFirst()
    {
        string path = Path.Combine(_directory, "dims.gguf");
        var writer = new GgufWriter();
        writer.AddTensor("t", GgmlType.F32, [2, 3, 4], () => zeros(2, 3, 4));
        writer.Write(path);

        using var stream = File.OpenRead(path);
        using var binary = new BinaryReader(stream);
        stream.Position = 4 + 4 + 8 + 8;                         // magic, version, tensor count, metadata count (0)
        Assert.Equal(1UL, binary.ReadUInt64());                  // name length
        Assert.Equal((byte)'t', binary.ReadByte());
        Assert.Equal(3u, binary.ReadUInt32());
        Assert.Equal([4UL, 3UL, 2UL], new[] { binary.ReadUInt64(), binary.ReadUInt64(), binary.ReadUInt64() });
    }

    [Fact]
    public void AProducerOfTheWrongShapeFailsAndLeavesNoFile()
    {
        string path = Path.Combine(_directory, "bad.gguf");
        var writer = new GgufWriter();
        writer.AddTensor("blk.0.attn_q.weight", GgmlType.F32, [4, 4], () => zeros(4, 5));
        var error = Assert.Throws<InvalidDataException>(() => writer.Write(path));
        Assert.Contains("blk.0.attn_q.weight", error.Message);
        Assert.Empty(Directory.GetFiles(_directory));
    }

    [Fact]
    public void TheConvertedFixtureHasLlamaMetadataAndReorderedQueryRows()
    {
        string path = Path.Combine(_directory, "llama-tiny.gguf");
        LlamaGgufConverter.Convert(Fixtures.Path("llama-tiny"), path, GgmlType.F32);
        var reader = GgufReader.Open(path);
        var meta = reader.Metadata;
        Assert.Equal("llama", meta["general.architecture"].Value);
        Assert.Equal(3u, meta["llama.block_count"].Value);
        Assert.Equal(4u, meta["llama.attention.head_count"].Value);
        Assert.Equal(2u, meta["llama.attention.head_count_kv"].Value);
        Assert.Equal(16u, meta["llama.rope.dimension_count"].Value);
        Assert.Equal(176u, meta["llama.feed_forward_length"].Value);
        Assert.Equal(500000f, meta["llama.rope.freq_base"].Value);
        var tokens = (string[])meta["tokenizer.ggml.tokens"].Value;
        var types = (int[])meta["tokenizer.ggml.token_type"].Value;
        Assert.Equal(384, tokens.Length);
        Assert.Equal(384, ((float[])meta["tokenizer.ggml.scores"].Value).Length);
        Assert.Equal("<0x0A>", tokens[3 + 0x0A]);
        Assert.Equal((int)GgufTokenType.Byte, types[3 + 0x0A]);
        Assert.Equal(1 + 1 + 3 * 9 + 2, reader.Tensors.Count);  // token_embd, rope_freqs, 9 per layer, output_norm, output

        // Row 2i + half of head h in the GGUF is row h * 16 + half * 8 + i of q_proj.
        using var checkpoint = SafetensorsCheckpoint.Open(Fixtures.Path("llama-tiny"));
        using var hf = checkpoint.Read("model.layers.1.self_attn.q_proj.weight", ScalarType.Float32);   // [64, 64]
        var gguf = reader.ReadFloat32("blk.1.attn_q.weight");
        Assert.Equal([64L, 64L], reader.Tensor("blk.1.attn_q.weight").Shape);
        foreach (var (head, half, i) in new[] { (0, 0, 0), (0, 1, 0), (2, 0, 5), (3, 1, 7) })
        {
            int ggufRow = head * 16 + 2 * i + half;
            float[] expected = hf[head * 16 + half * 8 + i].data<float>().ToArray();
            Assert.Equal(expected, gguf.AsSpan(ggufRow * 64, 64).ToArray());
        }

        // llama3 scaling: divisors 1 for the fast frequencies, the factor 8 for the slowest.
        var divisors = reader.ReadFloat32("rope_freqs.weight");
        Assert.Equal(8, divisors.Length);
        Assert.Equal(1f, divisors[0]);
        Assert.Equal(8f, divisors[^1], 4);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
