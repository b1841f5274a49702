using VisionZip.Models;
using VisionZip.Models.Llava;
using VisionZip.Models.Performance;
using VisionZip.Tests.Support;
using static TorchSharp.torch;

namespace VisionZip.Tests.Performance;

/// <summary>
/// Synthetic checkpoints load through the real facade: a tiny geometry of each family (LLaVA-1.5 with LLaMA, LLaVA-NeXT
/// with Mistral's grouped-query attention) is written, loaded, encodes a photo vanilla and zipped, and prefills.
/// </summary>
public sealed class SyntheticCheckpointTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("visionzip-synthetic-test-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    // CLIP 4 layers of width 64 at 112 px (64 patches), projector to 96, decoder 3 layers of width 96 (GQA for Mistral).
    private static SyntheticGeometry Tiny(bool next) => new(
        next ? "tiny-next" : "tiny-1.5",
        next,
        new VlmGeometry(new EncoderGeometry(3, 64, 128, 65, 14, HasCls: true), new ProjectorGeometry(64, 96),
            new DecoderGeometry(3, 96, 160, 4, next ? 2 : 4, 24, 1024)),
        VisionLayers: 4, VisionHeads: 4, ImageSize: 112, next ? "mistral" : "llama", RopeTheta: 10000, MaxPositions: 4096);

    [Theory]
    [InlineData(false, CheckpointKind.Llava15)]
    [InlineData(true, CheckpointKind.LlavaNext)]
    public void A_tiny_synthetic_checkpoint_loads_encodes_and_prefills(bool next, CheckpointKind kind)
    {
        string directory = Path.Combine(_root, next ? "next" : "one-five");
        SyntheticCheckpoint.Write(directory, Tiny(next));

        using var model = VisionLanguageModel.Load(directory);
        Assert.Equal(kind, model.Kind);
        Assert.False(model.HasTokenizer);
        Assert.Equal(3, model.LanguageModel.Config.NumHiddenLayers);
        Assert.Equal(next ? 2 : 4, model.LanguageModel.Config.NumKeyValueHeads);

        string photo = Fixtures.Path("images", "astronaut.png");
        using var vanilla = model.EncodeImage(photo, (ZipBudget?)null);
        using var zipped = model.EncodeImage(photo, new ZipBudget(8, 2));
        Assert.True(next ? vanilla.Tiles > 1 : vanilla.Tiles == 1, $"{vanilla.Tiles} tiles"); // NeXT: the base image and its grid
        Assert.Equal(vanilla.TokenCount, vanilla.Stats.TokensBefore);
        Assert.Equal(zipped.TokenCount, zipped.Stats.TokensAfter);
        Assert.Equal(next ? vanilla.Tiles * 10 : 10, next ? zipped.Zip!.Tokens.shape[0] * zipped.Zip.Tokens.shape[1] : zipped.TokenCount);

        long image = model.Config.ImageTokenIndex;
        long[] ids = model.PreparePrompt(null, 1, inputIds: [1, 5, 6, image, 7, 8]);
        var cache = model.CreateCache();
        using (cache)
        using (var prefill = model.Prefill(ids, [zipped], cache))
        {
            Assert.Equal(5 + zipped.TokenCount, prefill.Tokens);
            Assert.Equal(prefill.Tokens, cache.Length);
            Assert.True(prefill.Logits.isfinite().all().item<bool>(), "random weights at std 0.02 give finite logits");
        }
    }

    [Fact]
    public void The_same_seed_writes_the_same_bytes_and_another_seed_does_not()
    {
        SyntheticCheckpoint.Write(Path.Combine(_root, "a"), Tiny(false), seed: 7);
        SyntheticCheckpoint.Write(Path.Combine(_root, "b"), Tiny(false), seed: 7);
        SyntheticCheckpoint.Write(Path.Combine(_root, "c"), Tiny(false), seed: 8);
        var shards = Directory.GetFiles(Path.Combine(_root, "a"), "*.safetensors").Select(Path.GetFileName).Order().ToList();
        Assert.True(shards.Count >= 2, "vision+projector, decoder layers and embeddings go to separate shards");
        foreach (var shard in shards)
        {
            Assert.Equal(File.ReadAllBytes(Path.Combine(_root, "a", shard!)), File.ReadAllBytes(Path.Combine(_root, "b", shard!)));
        }

        Assert.NotEqual(File.ReadAllBytes(Path.Combine(_root, "a", shards[0]!)), File.ReadAllBytes(Path.Combine(_root, "c", shards[0]!)));
    }

    [Fact]
    public void Unknown_names_and_impossible_depths_are_refused_before_writing()
    {
        var unknown = Assert.Throws<ArgumentException>(() => SyntheticCheckpoint.Ensure("llava-9b", 1, _root));
        Assert.Contains("llava-1.5-7b", unknown.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => SyntheticCheckpoint.Ensure("llava-1.5-7b", 0, _root));
        Assert.Throws<ArgumentOutOfRangeException>(() => SyntheticCheckpoint.Ensure("llava-1.5-7b", 33, _root));
        Assert.Empty(Directory.EnumerateFileSystemEntries(_root));
    }
}
