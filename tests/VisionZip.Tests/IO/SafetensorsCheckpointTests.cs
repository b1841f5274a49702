using System.Text.Json;
using TorchSharp;
using VisionZip.Models.Errors;
using VisionZip.Models.IO;
using VisionZip.Tests.Support;
using static TorchSharp.torch;

namespace VisionZip.Tests.IO;

public class SafetensorsCheckpointTests
{
    [Fact]
    public void Sharded_directory_reads_through_its_index()
    {
        using var directory = new TempDirectory();
        using var scope = NewDisposeScope();
        var a = arange(6, dtype: ScalarType.Float32).reshape(2, 3);
        var b = tensor(new long[] { 4, 5 });
        var c = ones(3, dtype: ScalarType.BFloat16);
        SafetensorsWriter.Write(directory.File("model-00001-of-00002.safetensors"), [new("a.weight", a), new("b.ids", b)]);
        SafetensorsWriter.Write(directory.File("model-00002-of-00002.safetensors"), [new("c.weight", c)]);
        WriteIndex(directory, new()
        {
            ["a.weight"] = "model-00001-of-00002.safetensors",
            ["b.ids"] = "model-00001-of-00002.safetensors",
            ["c.weight"] = "model-00002-of-00002.safetensors",
        });

        using var checkpoint = SafetensorsCheckpoint.Open(directory.Path);

        Assert.Equal(2, checkpoint.Files.Count);
        Assert.Equal(["a.weight", "b.ids", "c.weight"], checkpoint.Names.Order(StringComparer.Ordinal));
        Assert.True(checkpoint.Contains("c.weight"));
        Assert.False(checkpoint.Contains("d.weight"));
        Assert.Null(checkpoint.Info("d.weight"));
        Assert.Equal("BF16", checkpoint.Info("c.weight")!.DType);
        TensorAssert.Equal(a, checkpoint.Read("a.weight"), "a.weight");
        TensorAssert.Equal(b, checkpoint.Read("b.ids"), "b.ids");
        Assert.Equal(ScalarType.Float32, checkpoint.Read("c.weight", ScalarType.Float32).dtype);
        var missing = Assert.Throws<KeyNotFoundException>(() => checkpoint.Read("d.weight"));
        Assert.Contains(directory.Path, missing.Message);
    }

    [Fact]
    public void Index_placing_a_tensor_in_the_wrong_shard_is_rejected()
    {
        using var directory = new TempDirectory();
        using var scope = NewDisposeScope();
        SafetensorsWriter.Write(directory.File("one.safetensors"), [new("a", ones(1))]);
        SafetensorsWriter.Write(directory.File("two.safetensors"), [new("b", ones(1))]);
        WriteIndex(directory, new() { ["a"] = "two.safetensors", ["b"] = "two.safetensors" });

        var error = Assert.Throws<CheckpointException>(() => SafetensorsCheckpoint.Open(directory.Path));

        Assert.Contains(SafetensorsCheckpoint.IndexFileName, error.Message);
        Assert.Contains("'a'", error.Message);
    }

    [Fact]
    public void Clip_golden_zero_size_tensors_share_offsets_and_read()
    {
        using var scope = NewDisposeScope();
        using var file = SafetensorsFile.Open(Fixtures.Path("clip-vit-tiny-patch14-336", "golden.safetensors"));

        var zeroSize = file.Tensors["zip.54_0.targets"];
        Assert.Equal([2L, 0], zeroSize.Shape);
        Assert.Contains(file.Tensors.Values, t => t.Name != zeroSize.Name && t.Begin == zeroSize.Begin && t.ByteLength > 0);
        Assert.Equal([2L, 0], file.Read("zip.54_0.targets").shape);
        Assert.Equal("pt", file.Metadata["format"]);
        foreach (var info in file.Tensors.Values)
        {
            var read = file.Read(info.Name);
            Assert.Equal(info.Shape, read.shape);
            Assert.Equal(info.ByteLength, read.numel() * read.ElementSize);
        }
    }

    [Fact]
    public void Llava_sharded_fixture_reads_every_tensor_of_its_index()
    {
        using var scope = NewDisposeScope();
        string folder = Fixtures.Path("llava-1.5-tiny-hf");
        using var index = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, SafetensorsCheckpoint.IndexFileName)));
        var listed = index.RootElement.GetProperty("weight_map").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal);

        using var checkpoint = SafetensorsCheckpoint.Open(folder);

        Assert.Equal(2, checkpoint.Files.Count);
        Assert.Equal(listed, checkpoint.Names.Order(StringComparer.Ordinal));
        foreach (string name in checkpoint.Names)
        {
            using var read = checkpoint.Read(name);
            Assert.Equal(checkpoint.Info(name)!.Shape, read.shape);
        }
    }

    [Fact]
    public void Directory_with_model_safetensors_opens_it()
    {
        using var checkpoint = SafetensorsCheckpoint.Open(Fixtures.Path("clip-vit-tiny-patch14-336"));

        Assert.Single(checkpoint.Files);
        Assert.EndsWith(SafetensorsCheckpoint.SingleFileName, checkpoint.Files[0].Path);
    }

    [Fact]
    public void Missing_path_throws_FileNotFoundException()
    {
        using var directory = new TempDirectory();

        Assert.Throws<FileNotFoundException>(() => SafetensorsCheckpoint.Open(directory.File("absent")));
        Assert.Throws<FileNotFoundException>(() => SafetensorsCheckpoint.Open(directory.Path));
    }

    private static void WriteIndex(TempDirectory directory, Dictionary<string, string> weightMap) =>
        File.WriteAllText(directory.File(SafetensorsCheckpoint.IndexFileName),
            JsonSerializer.Serialize(new { metadata = new { total_size = 0 }, weight_map = weightMap }));
}
