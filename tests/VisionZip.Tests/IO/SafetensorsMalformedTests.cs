using System.Text;
using VisionZip.Models.Errors;
using VisionZip.Models.IO;
using static TorchSharp.torch;

namespace VisionZip.Tests.IO;

/// <summary>One test per way a file can lie; each must fail with <see cref="CheckpointException"/> naming the file and tensor.</summary>
public class SafetensorsMalformedTests
{
    [Fact]
    public void Header_length_beyond_the_file_is_rejected()
    {
        using var directory = new TempDirectory();
        string path = RawSafetensors.WriteWithDeclaredLength(directory.File("long.safetensors"), 1000, Encoding.UTF8.GetBytes("{}"));

        var error = Assert.Throws<CheckpointException>(() => SafetensorsFile.Open(path));

        Assert.Contains(path, error.Message);
        Assert.Contains("header length 1000", error.Message);
    }

    [Fact]
    public void Too_many_dimensions_are_rejected_before_any_tensor_is_built()
    {
        using var directory = new TempDirectory();
        string shape = string.Join(",", Enumerable.Repeat("1", 100));
        string path = RawSafetensors.Write(directory.File("rank.safetensors"), $$$"""{"deep":{"dtype":"F32","shape":[{{{shape}}}],"data_offsets":[0,4]}}""", 4);

        var error = Assert.Throws<CheckpointException>(() => SafetensorsFile.Open(path));

        Assert.Equal("deep", error.Tensor);
        Assert.Contains("100 dimensions", error.Message);
    }

    [Fact]
    public void Invalid_json_is_rejected()
    {
        using var directory = new TempDirectory();
        string path = RawSafetensors.Write(directory.File("json.safetensors"), "{\"w\": {\"dtype\": \"F32\",", 0);

        var error = Assert.Throws<CheckpointException>(() => SafetensorsFile.Open(path));

        Assert.Contains(path, error.Message);
        Assert.Contains("JSON", error.Message);
    }

    [Fact]
    public void Unknown_dtype_is_rejected()
    {
        using var directory = new TempDirectory();
        string path = RawSafetensors.Write(directory.File("dtype.safetensors"),
            """{"fp8_weight":{"dtype":"F8_E4M3","shape":[4],"data_offsets":[0,4]}}""", 4);

        var error = AssertInvalid(path, "fp8_weight");

        Assert.Contains("F8_E4M3", error.Message);
    }

    [Fact]
    public void Offsets_past_the_data_section_are_rejected()
    {
        using var directory = new TempDirectory();
        string path = RawSafetensors.Write(directory.File("range.safetensors"),
            """{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"beyond":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}""", 8);

        var error = AssertInvalid(path, "beyond");

        Assert.Contains("out of range", error.Message);
    }

    [Fact]
    public void Overlapping_offsets_are_rejected()
    {
        using var directory = new TempDirectory();
        string path = RawSafetensors.Write(directory.File("overlap.safetensors"),
            """{"first":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"second":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}""", 12);

        var error = AssertInvalid(path, "second");

        Assert.Contains("overlap", error.Message);
        Assert.Contains("'first'", error.Message);
    }

    [Fact]
    public void A_gap_between_tensors_is_rejected()
    {
        using var directory = new TempDirectory();
        string path = RawSafetensors.Write(directory.File("gap.safetensors"),
            """{"first":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"second":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}""", 12);

        var error = AssertInvalid(path, "second");

        Assert.Contains("gap of 4", error.Message);
    }

    [Fact]
    public void Byte_count_not_matching_shape_and_dtype_is_rejected()
    {
        using var directory = new TempDirectory();
        string path = RawSafetensors.Write(directory.File("count.safetensors"),
            """{"short":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}""", 8);

        var error = AssertInvalid(path, "short");

        Assert.Contains("needs 12", error.Message);
    }

    [Fact]
    public void Shape_whose_product_overflows_is_rejected()
    {
        using var directory = new TempDirectory();
        string path = RawSafetensors.Write(directory.File("overflow.safetensors"),
            """{"huge":{"dtype":"U8","shape":[4294967296,4294967296,2],"data_offsets":[0,0]}}""", 0);

        var error = AssertInvalid(path, "huge");

        Assert.Contains("64 bits", error.Message);
    }

    [Fact]
    public void A_shard_named_in_the_index_but_missing_is_rejected()
    {
        using var directory = new TempDirectory();
        using (var scope = NewDisposeScope())
        {
            SafetensorsWriter.Write(directory.File("model-00001-of-00002.safetensors"), [new("a.weight", ones(2))]);
        }

        File.WriteAllText(directory.File(SafetensorsCheckpoint.IndexFileName), """
            {"metadata": {"total_size": 16},
             "weight_map": {"a.weight": "model-00001-of-00002.safetensors", "b.weight": "model-00002-of-00002.safetensors"}}
            """);

        var error = Assert.Throws<CheckpointException>(() => SafetensorsCheckpoint.Open(directory.Path));

        Assert.Contains(directory.File("model-00002-of-00002.safetensors"), error.Message);
        Assert.Contains("'b.weight'", error.Message);
    }

    [Fact]
    public void Bool_bytes_other_than_0_and_1_are_rejected_on_read()
    {
        using var directory = new TempDirectory();
        string path = RawSafetensors.Write(directory.File("bool.safetensors"),
            """{"mask":{"dtype":"BOOL","shape":[3],"data_offsets":[0,3]}}""", [1, 0, 2]);
        using var file = SafetensorsFile.Open(path);

        var error = Assert.Throws<CheckpointException>(() => file.Read("mask"));

        Assert.Contains(path, error.Message);
        Assert.Contains("'mask'", error.Message);
        Assert.Contains("element 2 holds byte 2", error.Message);
    }

    private static CheckpointException AssertInvalid(string path, string tensor)
    {
        var error = Assert.Throws<CheckpointException>(() => SafetensorsFile.Open(path));
        Assert.Contains(path, error.Message);
        Assert.Contains($"'{tensor}'", error.Message);
        return error;
    }
}
