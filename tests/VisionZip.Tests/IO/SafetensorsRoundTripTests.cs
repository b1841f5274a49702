using TorchSharp;
using VisionZip.Models.IO;
using VisionZip.Tests.Support;
using static TorchSharp.torch;

namespace VisionZip.Tests.IO;

public class SafetensorsRoundTripTests
{
    public static TheoryData<ScalarType, string> NumericTypes => new()
    {
        { ScalarType.Float64, "F64" }, { ScalarType.Float32, "F32" }, { ScalarType.Float16, "F16" },
        { ScalarType.BFloat16, "BF16" }, { ScalarType.Int64, "I64" }, { ScalarType.Int32, "I32" },
        { ScalarType.Int16, "I16" }, { ScalarType.Int8, "I8" }, { ScalarType.Byte, "U8" },
    };

    [Theory]
    [MemberData(nameof(NumericTypes))]
    public void Every_dtype_round_trips_bit_exactly(ScalarType type, string name)
    {
        using var directory = new TempDirectory();
        using var scope = NewDisposeScope();
        byte[] bits = RandomBytes(2 * 3 * 5 * ElementSize(type), seed: (int)type);
        var original = FromBytes(bits, [2, 3, 5], type);
        string path = directory.File("t.safetensors");

        SafetensorsWriter.Write(path, [new("w", original)]);

        using var file = SafetensorsFile.Open(path);
        Assert.Equal(name, file.Tensors["w"].DType);
        var read = file.Read("w");
        Assert.Equal(type, read.dtype);
        Assert.Equal([2L, 3, 5], read.shape);
        Assert.Equal(bits, read.bytes.ToArray());
    }

    [Fact]
    public void Bool_round_trips()
    {
        using var directory = new TempDirectory();
        using var scope = NewDisposeScope();
        var original = tensor(new[] { true, false, false, true, true, false }).reshape(2, 3);
        string path = directory.File("b.safetensors");

        SafetensorsWriter.Write(path, [new("mask", original)]);

        using var file = SafetensorsFile.Open(path);
        Assert.Equal("BOOL", file.Tensors["mask"].DType);
        var read = file.Read("mask");
        Assert.Equal(ScalarType.Bool, read.dtype);
        Assert.Equal(original.data<bool>().ToArray(), read.data<bool>().ToArray());
    }

    [Fact]
    public void Half_precision_special_values_keep_their_exact_bits()
    {
        // NaN with payload, signalling NaN, +-0, +-inf, smallest subnormal, largest finite, an ordinary value.
        ushort[] patterns = [0x7FC1, 0x7F81, 0x0000, 0x8000, 0x7F80, 0xFF80, 0x0001, 0x7F7F, 0x3F80, 0xFFFF];
        byte[] bits = patterns.SelectMany(BitConverter.GetBytes).ToArray();
        using var directory = new TempDirectory();
        using var scope = NewDisposeScope();
        string path = directory.File("half.safetensors");

        SafetensorsWriter.Write(path, [
            new("bf16", FromBytes(bits, [patterns.Length], ScalarType.BFloat16)),
            new("f16", FromBytes(bits, [patterns.Length], ScalarType.Float16)),
        ]);

        using var file = SafetensorsFile.Open(path);
        Assert.Equal(bits, file.Read("bf16").bytes.ToArray());
        Assert.Equal(bits, file.Read("f16").bytes.ToArray());
    }

    [Fact]
    public void Scalars_and_zero_size_tensors_round_trip()
    {
        using var directory = new TempDirectory();
        using var scope = NewDisposeScope();
        string path = directory.File("edge.safetensors");

        SafetensorsWriter.Write(path, [
            new("scalar", tensor(3.5f)),
            new("empty", zeros(0, dtype: ScalarType.Int64)),
            new("empty_2d", zeros([2, 0, 3], dtype: ScalarType.Float32)),
            new("after", tensor(new[] { 1f, 2f })),
            new("int_scalar", tensor(7L)),
        ]);

        using var file = SafetensorsFile.Open(path);
        var scalar = file.Read("scalar");
        Assert.Empty(scalar.shape);
        Assert.Equal(3.5f, scalar.item<float>());
        Assert.Equal(7L, file.Read("int_scalar").item<long>());
        Assert.Equal([0L], file.Read("empty").shape);
        Assert.Equal([2L, 0, 3], file.Read("empty_2d").shape);
        Assert.Equal([1f, 2f], file.Read("after").data<float>().ToArray());
        var empty2d = file.Tensors["empty_2d"];
        Assert.Equal(empty2d.Begin, empty2d.End);
    }

    [Fact]
    public void Metadata_round_trips()
    {
        using var directory = new TempDirectory();
        using var scope = NewDisposeScope();
        string path = directory.File("meta.safetensors");
        var metadata = new Dictionary<string, string>
        {
            ["format"] = "pt",
            ["note"] = "quotes \" backslash \\ newline \n unicode é 名",
            ["empty"] = "",
        };

        SafetensorsWriter.Write(path, [new("x", ones(2))], metadata);

        using var file = SafetensorsFile.Open(path);
        Assert.Equal(metadata.OrderBy(p => p.Key), file.Metadata.OrderBy(p => p.Key));
    }

    [Fact]
    public void Dtype_is_converted_on_load()
    {
        using var directory = new TempDirectory();
        using var scope = NewDisposeScope();
        string path = directory.File("convert.safetensors");
        var original = tensor(new[] { 1.5f, -2.25f, 1e-3f, 65504f, 3.0e38f });

        SafetensorsWriter.Write(path, [new("x", original)]);

        using var checkpoint = SafetensorsCheckpoint.Open(path);
        foreach (var type in new[] { ScalarType.Float64, ScalarType.Float16, ScalarType.BFloat16, ScalarType.Int32 })
        {
            var read = checkpoint.Read("x", dtype: type, device: CPU);
            Assert.Equal(type, read.dtype);
            Assert.True(read.equal(original.to(type)).all().item<bool>(), $"{type}: {read.to(ScalarType.Float64).str()}");
        }
    }

    [Fact]
    public void Non_contiguous_inputs_are_written_as_their_values()
    {
        using var directory = new TempDirectory();
        using var scope = NewDisposeScope();
        string path = directory.File("views.safetensors");
        var source = arange(24, dtype: ScalarType.Float32).reshape(4, 6);
        var transposed = source.t();                                   // [6, 4], strides (1, 6)
        var stepped = source[.., TensorIndex.Slice(0, 6, 2)];           // [4, 3], stride 2 in the last dim
        var expanded = arange(3, dtype: ScalarType.Int64).expand(2, 3); // stride 0
        Assert.False(transposed.is_contiguous() || stepped.is_contiguous() || expanded.is_contiguous());

        SafetensorsWriter.Write(path, [new("t", transposed), new("s", stepped), new("e", expanded)]);

        using var file = SafetensorsFile.Open(path);
        TensorAssert.Equal(transposed.contiguous(), file.Read("t"), "transposed");
        TensorAssert.Equal(stepped.contiguous(), file.Read("s"), "stepped");
        TensorAssert.Equal(expanded.contiguous(), file.Read("e"), "expanded");
        Assert.Equal(276f, source.sum().item<float>()); // inputs are still alive and unchanged
    }

    [Fact]
    public void Layout_follows_the_reference_writer()
    {
        using var directory = new TempDirectory();
        using var scope = NewDisposeScope();
        string path = directory.File("layout.safetensors");

        SafetensorsWriter.Write(path, [
            new("z_byte", ones(3, dtype: ScalarType.Byte)),
            new("b_float", ones(1, dtype: ScalarType.Float32)),
            new("a_float", ones(1, dtype: ScalarType.Float32)),
            new("half", ones(1, dtype: ScalarType.Float16)),
            new("long", ones(1, dtype: ScalarType.Int64)),
            new("flag", ones(1, dtype: ScalarType.Bool)),
        ], new Dictionary<string, string> { ["format"] = "pt" });

        string header = RawSafetensors.ReadHeader(path, out ulong headerLength);
        Assert.Equal(0UL, headerLength % 8);
        Assert.StartsWith("{\"__metadata__\":{\"format\":\"pt\"},\"long\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]},", header);
        string json = header.TrimEnd(' ');
        Assert.EndsWith("}", json);
        Assert.InRange(header.Length - json.Length, 0, 7);
        using var file = SafetensorsFile.Open(path);
        string[] order = file.Tensors.Values.OrderBy(t => t.Begin).ThenBy(t => t.End).Select(t => t.Name).ToArray();
        Assert.Equal(["long", "a_float", "b_float", "half", "z_byte", "flag"], order);
        Assert.All(file.Tensors.Values, t => Assert.Equal(0, t.Begin % ElementSize(t.Type)));
    }

    [Theory]
    [InlineData("llava-1.5-tiny-hf", "model-00001-of-00002.safetensors")]
    [InlineData("llama-tiny", "model.safetensors")]
    [InlineData("qwen2-tiny", "model.safetensors")]
    public void Rewriting_a_single_dtype_fixture_gives_identical_bytes(string folder, string fileName)
    {
        using var directory = new TempDirectory();
        using var scope = NewDisposeScope();
        string source = Fixtures.Path(folder, fileName);
        string copy = directory.File(fileName);
        using (var file = SafetensorsFile.Open(source))
        {
            var tensors = file.Tensors.Keys.Reverse().Select(name => KeyValuePair.Create(name, file.Read(name))).ToList();
            SafetensorsWriter.Write(copy, tensors, file.Metadata);
        }

        Assert.True(File.ReadAllBytes(source).AsSpan().SequenceEqual(File.ReadAllBytes(copy)), $"{copy} differs from {source}");
    }

    [Fact]
    public void Duplicate_names_throw_naming_the_tensor_and_write_nothing()
    {
        using var directory = new TempDirectory();
        using var scope = NewDisposeScope();
        string path = directory.File("dup.safetensors");

        var error = Assert.Throws<ArgumentException>(() =>
            SafetensorsWriter.Write(path, [new("a", ones(1)), new("twice", ones(1)), new("twice", zeros(1))]));

        Assert.Contains("'twice'", error.Message);
        Assert.Empty(directory.Entries());
    }

    [Fact]
    public void Unsupported_dtype_throws_naming_the_tensor()
    {
        using var directory = new TempDirectory();
        using var scope = NewDisposeScope();

        var error = Assert.Throws<ArgumentException>(() =>
            SafetensorsWriter.Write(directory.File("c.safetensors"), [new("complex_weight", ones(2, dtype: ScalarType.ComplexFloat32))]));

        Assert.Contains("'complex_weight'", error.Message);
        Assert.Empty(directory.Entries());
    }

    [Fact]
    public void A_failed_write_keeps_the_existing_file_and_leaves_no_temporary_file()
    {
        using var directory = new TempDirectory();
        using var scope = NewDisposeScope();
        string path = directory.File("model.safetensors");
        SafetensorsWriter.Write(path, [new("old", arange(10, dtype: ScalarType.Float32))]);
        byte[] before = File.ReadAllBytes(path);

        var error = Assert.Throws<IOException>(() => SafetensorsWriter.Write(path,
            [new("a", ones(1000)), new("b", ones(1000))], metadata: null,
            afterTensor: name => throw new IOException($"disk full after '{name}'")));

        Assert.Contains("disk full", error.Message);
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Equal(["model.safetensors"], directory.Entries());
    }

    [Fact]
    public void Overwriting_an_open_file_replaces_it_without_disturbing_the_open_mapping()
    {
        using var directory = new TempDirectory();
        using var scope = NewDisposeScope();
        string path = directory.File("model.safetensors");
        SafetensorsWriter.Write(path, [new("x", full(4, 1f))]);
        using var old = SafetensorsFile.Open(path);

        SafetensorsWriter.Write(path, [new("x", full(6, 2f))]);

        Assert.Equal([1f, 1f, 1f, 1f], old.Read("x").data<float>().ToArray());
        using var fresh = SafetensorsFile.Open(path);
        Assert.Equal([6L], fresh.Read("x").shape);
        Assert.Equal(["model.safetensors"], directory.Entries());
    }

    private static Tensor FromBytes(byte[] bits, long[] shape, ScalarType type)
    {
        var result = empty(shape, type);
        result.bytes = bits;
        return result;
    }

    private static byte[] RandomBytes(int count, int seed)
    {
        var bytes = new byte[count];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private static int ElementSize(ScalarType type) => type switch
    {
        ScalarType.Float64 or ScalarType.Int64 => 8,
        ScalarType.Float32 or ScalarType.Int32 => 4,
        ScalarType.Float16 or ScalarType.BFloat16 or ScalarType.Int16 => 2,
        _ => 1,
    };
}
