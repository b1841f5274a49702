using VisionZip.Models.Language;
using VisionZip.Tests.Support;
using static TorchSharp.torch;

namespace VisionZip.Tests.Generality;

/// <summary>
/// Decoder geometries no golden covers (grouped and multi-query attention, explicit head_dim, tied and untied heads,
/// llama and qwen2 biases, sliding windows): logits against a float64 reference, the KV cache fed in chunks against
/// the full sequence, and last-position logits against the all-positions logits.
/// </summary>
public sealed class DecoderGeometryTests(RandomDecoders decoders) : IClassFixture<RandomDecoders>
{
    public static TheoryData<string> Names => new()
    {
        "llama-gqa-untied", "llama-headdim-tied-bias", "qwen2-gqa-tied", "mistral-mqa-window", "qwen2-window-from-layer-1",
        "mistral-mha-window", "llama-mha",
    };

    [Theory]
    [MemberData(nameof(Names))]
    public void Loaded_config_has_the_written_geometry(string name)
    {
        var spec = decoders.Weights(name).Spec;
        var config = decoders.Model(name).Config;
        Assert.Equal((spec.Heads, spec.KeyValueHeads, spec.ResolvedHeadDim), (config.NumAttentionHeads, config.NumKeyValueHeads, config.HeadDim));
        Assert.Equal((spec.Tied, spec.QkvBias, spec.OutputBias, spec.LinearMlpBias),
            (config.TieWordEmbeddings, config.QkvBias, config.OutputBias, config.MlpBias));
        for (int layer = 0; layer < spec.Layers; layer++)
        {
            Assert.Equal(spec.WindowOf(layer), config.SlidingWindowForLayer(layer));
        }
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void All_position_logits_match_the_float64_reference(string name)
    {
        var model = decoders.Model(name);
        using var scope = NewDisposeScope();
        var ids = FixtureProbe.RandomIds(model.Config.VocabSize, batch: 2, length: 13, seed: 77);
        var logits = model.Forward(ids, null, LogitsSelection.AllPositions);
        Assert.Equal([2L, 13, model.Config.VocabSize], logits.shape);
        TensorAssert.Close(ReferenceDecoder.Logits(decoders.Weights(name), ids), logits, $"{name} logits");
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Chunked_prefill_with_the_cache_equals_the_full_sequence(string name)
    {
        var model = decoders.Model(name);
        using var scope = NewDisposeScope();
        var ids = FixtureProbe.RandomIds(model.Config.VocabSize, batch: 2, length: 15, seed: 78);
        var full = model.Forward(ids, null, LogitsSelection.AllPositions);               // [2, 15, vocab]

        using var cache = model.CreateCache();
        int start = 0;
        foreach (int chunk in new[] { 4, 1, 3, 1, 1, 5 })
        {
            var piece = ids.narrow(1, start, chunk);
            var all = model.Forward(piece, cache, LogitsSelection.AllPositions);          // [2, chunk, vocab]
            TensorAssert.Close(full.narrow(1, start, chunk), all, $"{name} chunk at {start} (+{chunk})");
            start += chunk;
            Assert.Equal(start, cache.Length);
        }

        // The same positions again through a second cache, asking only for the last position.
        using var second = model.CreateCache();
        start = 0;
        foreach (int chunk in new[] { 6, 1, 8 })
        {
            var last = model.Forward(ids.narrow(1, start, chunk), second);                // [2, vocab]
            start += chunk;
            TensorAssert.Close(full.select(1, start - 1), last, $"{name} last position {start - 1}");
        }
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Last_position_logits_are_the_last_row_and_embeddings_give_the_same_logits(string name)
    {
        var model = decoders.Model(name);
        using var scope = NewDisposeScope();
        var ids = FixtureProbe.RandomIds(model.Config.VocabSize, batch: 2, length: 9, seed: 79);
        var all = model.Forward(ids, null, LogitsSelection.AllPositions);
        var last = model.Forward(ids);
        TensorAssert.Close(all.select(1, 8), last, $"{name} last row");
        var fromEmbeddings = model.ForwardEmbeddings(model.EmbedTokens(ids), null, LogitsSelection.AllPositions);
        BitExact.Equal(all, fromEmbeddings, $"{name} logits from embeddings");
    }
}
