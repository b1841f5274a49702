using VisionZip.Tests.Support;
using static TorchSharp.torch;

namespace VisionZip.Tests.Generality;

/// <summary>
/// Every fixture checkpoint, written the other ways users have them on disk, gives the same outputs through the
/// public APIs: the other tensor spelling and another shard count bit-for-bit; a BF16 / F16 copy exactly what an F32
/// copy of the same rounded weights gives (so loading upcasts exactly, and computes in float32 either way).
/// </summary>
public sealed class FixtureVariantInvarianceTests : IDisposable
{
    private readonly ScratchDirectory _scratch = new();

    [Theory]
    [InlineData("llava-1.5-tiny-hf", LlavaSpelling.Newer, 3)]
    [InlineData("llava-1.5-tiny-hf", LlavaSpelling.Legacy, 3)]
    [InlineData("llava-interleave-qwen-tiny-hf", LlavaSpelling.Newer, 3)]
    [InlineData("llava-next-tiny-patch14-112-hf", LlavaSpelling.Newer, 3)]
    [InlineData("clip-vit-tiny-patch14-336", LlavaSpelling.AsIs, 3)]
    [InlineData("siglip-tiny-patch14-384", LlavaSpelling.AsIs, 2)]
    [InlineData("llama-tiny", LlavaSpelling.AsIs, 3)]
    [InlineData("qwen2-tiny", LlavaSpelling.AsIs, 2)]
    public void Respelled_and_resharded_copy_gives_bit_identical_outputs(string fixture, LlavaSpelling spelling, int shards)
    {
        string variant = CheckpointVariant.Write(Fixtures.Path(fixture), _scratch.Sub("variant"), new VariantOptions(spelling, shards));

        using var expected = FixtureProbe.Run(Fixtures.Path(fixture));
        using var actual = FixtureProbe.Run(variant);
        actual.AssertBitIdentical(expected, $"{fixture} ({spelling}, {shards} shards)");
    }

    [Theory]
    [InlineData("llava-1.5-tiny-hf", ScalarType.BFloat16)]
    [InlineData("llava-interleave-qwen-tiny-hf", ScalarType.Float16)]
    [InlineData("clip-vit-tiny-patch14-336", ScalarType.BFloat16)]
    [InlineData("siglip-tiny-patch14-384", ScalarType.Float16)]
    [InlineData("llama-tiny", ScalarType.BFloat16)]
    [InlineData("qwen2-tiny", ScalarType.Float16)]
    public void Half_precision_copy_equals_the_float32_copy_of_its_rounded_weights(string fixture, ScalarType storage)
    {
        string source = Fixtures.Path(fixture);
        string half = CheckpointVariant.Write(source, _scratch.Sub("half"),
            new VariantOptions(FixtureSpelling(fixture), Shards: 3, StorageType: storage));
        string twin = CheckpointVariant.Write(source, _scratch.Sub("twin"),
            new VariantOptions(StorageType: ScalarType.Float32, RoundThrough: storage));
        Assert.Contains(SafetensorsName(storage), CheckpointVariant.StoredTypes(half));
        Assert.DoesNotContain(SafetensorsName(storage), CheckpointVariant.StoredTypes(twin));

        using var fromHalf = FixtureProbe.Run(half);
        using var fromTwin = FixtureProbe.Run(twin);
        fromHalf.AssertBitIdentical(fromTwin, $"{fixture} stored as {storage} vs F32 rounded through {storage}");

        // The rounding must have changed the weights, or the comparison proves nothing.
        Assert.True(CheckpointVariant.AnyWeightDiffers(source, twin), $"{fixture}: rounding through {storage} changed no weight");
    }

    [Theory]
    [InlineData("llava-interleave-qwen-tiny-hf")]
    [InlineData("llama-tiny")]
    [InlineData("qwen2-tiny")]
    public void Float32_copy_of_a_half_precision_checkpoint_gives_bit_identical_outputs(string fixture)
    {
        string variant = CheckpointVariant.Write(Fixtures.Path(fixture), _scratch.Sub("f32"),
            new VariantOptions(FixtureSpelling(fixture), Shards: 2, StorageType: ScalarType.Float32));
        Assert.Equal(["F32"], CheckpointVariant.StoredTypes(variant));

        using var expected = FixtureProbe.Run(Fixtures.Path(fixture));
        using var actual = FixtureProbe.Run(variant);
        actual.AssertBitIdentical(expected, $"{fixture} stored as F32");
    }

    [Theory]
    [InlineData("llama-tiny")]
    [InlineData("llava-1.5-tiny-hf")]
    public void Numbered_shards_without_an_index_give_bit_identical_outputs(string fixture)
    {
        string variant = CheckpointVariant.Write(Fixtures.Path(fixture), _scratch.Sub("no-index"),
            new VariantOptions(FixtureSpelling(fixture), Shards: 3, WriteIndex: false));
        Assert.False(File.Exists(Path.Combine(variant, VisionZip.Models.IO.SafetensorsCheckpoint.IndexFileName)));
        Assert.Equal(3, Directory.GetFiles(variant, "model-*-of-00003.safetensors").Length);

        using var expected = FixtureProbe.Run(Fixtures.Path(fixture));
        using var actual = FixtureProbe.Run(variant);
        actual.AssertBitIdentical(expected, $"{fixture} in 3 shards without an index");
    }

    public void Dispose() => _scratch.Dispose();

    // Half-precision copies of llava checkpoints also switch spelling, so one variant covers both axes.
    private static LlavaSpelling FixtureSpelling(string fixture) =>
        fixture.StartsWith("llava", StringComparison.Ordinal) ? LlavaSpelling.Newer : LlavaSpelling.AsIs;

    private static string SafetensorsName(ScalarType type) => type switch
    {
        ScalarType.BFloat16 => "BF16",
        ScalarType.Float16 => "F16",
        _ => "F32",
    };
}
