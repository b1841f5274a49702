using VisionZip.Models;
using VisionZip.Models.Llava;
using VisionZip.Tests.Support;
using static TorchSharp.torch;

namespace VisionZip.Tests.Generality;

/// <summary>
/// The llava-hf fixtures, respelled, resharded and stored in other dtypes, through <see cref="VisionLanguageModel"/>:
/// the same visual tokens, prefill logits and greedy tokens as the original (bit-for-bit), and for half-precision
/// copies exactly what the F32 copy of the rounded weights gives.
/// </summary>
public sealed class LlavaPipelineVariantTests : IDisposable
{
    private readonly ScratchDirectory _scratch = new();

    [Theory]
    [InlineData("llava-1.5-tiny-hf", LlavaSpelling.Newer, 3)]
    [InlineData("llava-1.5-tiny-hf", LlavaSpelling.Legacy, 1)]
    [InlineData("llava-interleave-qwen-tiny-hf", LlavaSpelling.Newer, 3)]
    [InlineData("llava-next-tiny-patch14-112-hf", LlavaSpelling.Newer, 1)]
    public void Respelled_and_resharded_checkpoint_generates_the_same(string fixture, LlavaSpelling spelling, int shards)
    {
        string variant = CheckpointVariant.Write(Fixtures.Path(fixture), _scratch.Sub("variant"), new VariantOptions(spelling, shards));
        using (var pipeline = VisionLanguageModel.Load(variant))
        {
            var expected = spelling == LlavaSpelling.Newer ? LlavaTensorNames.Nested : LlavaTensorNames.Original;
            Assert.Equal(expected.LanguageModel, pipeline.TensorNames.LanguageModel);
            Assert.Equal(expected.VisionTower, pipeline.TensorNames.VisionTower);
        }

        using var original = PipelineProbe.Run(Fixtures.Path(fixture));
        using var copy = PipelineProbe.Run(variant);
        copy.AssertBitIdentical(original, $"{fixture} ({spelling}, {shards} shards) through VisionLanguageModel");
    }

    [Theory]
    [InlineData("llava-1.5-tiny-hf", ScalarType.BFloat16)]
    [InlineData("llava-interleave-qwen-tiny-hf", ScalarType.Float16)]
    [InlineData("llava-next-tiny-patch14-112-hf", ScalarType.BFloat16)]
    public void Half_precision_checkpoint_generates_what_its_float32_twin_generates(string fixture, ScalarType storage)
    {
        string source = Fixtures.Path(fixture);
        string half = CheckpointVariant.Write(source, _scratch.Sub("half"),
            new VariantOptions(LlavaSpelling.Newer, Shards: 3, StorageType: storage));
        string twin = CheckpointVariant.Write(source, _scratch.Sub("twin"),
            new VariantOptions(StorageType: ScalarType.Float32, RoundThrough: storage));
        Assert.True(CheckpointVariant.AnyWeightDiffers(source, twin), $"{fixture}: rounding through {storage} changed no weight");

        using var fromHalf = PipelineProbe.Run(half);
        using var fromTwin = PipelineProbe.Run(twin);
        fromHalf.AssertBitIdentical(fromTwin, $"{fixture} stored as {storage} vs F32 rounded through {storage}");
    }

    [Fact]
    public void Float32_copy_of_the_bf16_interleave_checkpoint_generates_the_same()
    {
        string fixture = Fixtures.Path("llava-interleave-qwen-tiny-hf");
        string variant = CheckpointVariant.Write(fixture, _scratch.Sub("f32"), new VariantOptions(Shards: 2, StorageType: ScalarType.Float32));
        using var original = PipelineProbe.Run(fixture);
        using var copy = PipelineProbe.Run(variant);
        copy.AssertBitIdentical(original, "llava-interleave stored as F32");
    }

    public void Dispose() => _scratch.Dispose();
}
