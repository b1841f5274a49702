using VisionZip.Models.Performance;

namespace VisionZip.Tests.Performance;

/// <summary>The cost model on geometries small enough to count by hand, and on the paper's models.</summary>
public sealed class CostModelTests
{
    // d 2, m 3, one head of 2, one layer, vocab 5.
    private static readonly DecoderGeometry TinyDecoder = new(Layers: 1, Hidden: 2, Intermediate: 3, Heads: 1, KeyValueHeads: 1, HeadDim: 2, Vocab: 5);

    // d 4, m 1, two query heads sharing one key/value head of 2, vocab 3.
    private static readonly DecoderGeometry GroupedDecoder = new(Layers: 1, Hidden: 4, Intermediate: 1, Heads: 2, KeyValueHeads: 1, HeadDim: 2, Vocab: 3);

    [Fact]
    public void Layer_flops_count_projections_attention_and_mlp()
    {
        // T 4: projections 2*4*2*(2+2*2+2) = 128, attention 4*4*4*2 = 128, MLP 6*4*2*3 = 144.
        Assert.Equal(400, TinyDecoder.LayerFlops(4));
        // One token after 3 cached: 2*1*2*8 = 32, 4*1*4*2 = 32, 6*1*2*3 = 36.
        Assert.Equal(100, TinyDecoder.LayerFlops(1, cachedTokens: 3));
        // GQA, one token: q 4, kv 2: 2*1*4*(4+4+4) = 96, 4*1*1*4 = 16, 6*4*1 = 24.
        Assert.Equal(136, GroupedDecoder.LayerFlops(1));
    }

    [Fact]
    public void Grouped_query_attention_counts_fewer_key_value_weights()
    {
        // q 4x4, k and v 2x4 each, o 4x4, gate/up/down 3 x 4x1 = 16 + 16 + 16 + 12.
        Assert.Equal(60, GroupedDecoder.ProjectionWeightsPerLayer);
        // Output rows: q 4, k 2, v 2, o 4, gate 1, up 1, down 4.
        Assert.Equal(18, GroupedDecoder.ProjectionRowsPerLayer);
    }

    [Fact]
    public void Decode_bytes_are_weights_scales_one_embedding_row_and_the_cache()
    {
        // Weights 60 + lm_head 3x4 = 72; KV for 5 positions: 2 * 1 layer * 1 head * 2 * 5 * 2 bytes = 40.
        Assert.Equal(40, GroupedDecoder.KvCacheBytes(5, elementSize: 2));
        Assert.Equal(72 * 2 + 4 * 2 + 40, GroupedDecoder.DecodeBytesPerToken(5, weightBytes: 2, kvElementSize: 2));
        // int8: 72 bytes plus a float32 scale per output row (18 + 3 for lm_head); the embedding row stays 16-bit.
        Assert.Equal(72 + 4 * 21 + 4 * 2 + 40, GroupedDecoder.DecodeBytesPerToken(5, weightBytes: 1, kvElementSize: 2));
    }

    [Fact]
    public void Prefill_adds_encoder_crops_projector_decoder_and_logits()
    {
        // Encoder: 1 layer, D 2, M 3, 3 tokens with CLS, 1 px patches: embedding 2*2*2*3 = 24,
        // layer 8*3*4 + 4*9*2 + 4*3*2*3 = 240; two crops = 528. Projector (2 -> 2): 2*(4+4) = 16 per token.
        var geometry = new VlmGeometry(new EncoderGeometry(1, 2, 3, 3, 1, HasCls: true), new ProjectorGeometry(2, 2), TinyDecoder);
        var cost = CostModel.Prefill(geometry, new Workload(EncoderCrops: 2, VisualTokens: 1, TextTokens: 1));
        Assert.Equal(528, cost.Encoder);
        Assert.Equal(16, cost.Projector);
        Assert.Equal(168, cost.Decoder); // T 2: 2*2*2*8 = 64, 4*2*2*2 = 32, 6*2*2*3 = 72
        Assert.Equal(20, cost.Logits);   // 2 * 2 * 5
        Assert.Equal(732, cost.Total);
    }

    [Fact]
    public void Llava15_7b_matches_the_published_geometry()
    {
        var llava = VlmGeometry.Llava15_7B;
        var vanilla = new Workload(1, 576, 40);
        var zipped = new Workload(1, 64, 40);
        // README: KV cache of 616 positions over 32 layers in bf16 = 308 MiB; 104 positions = 52 MiB.
        Assert.Equal(2L * 32 * 4096 * 616 * 2, CostModel.KvCacheBytes(llava, vanilla, elementSize: 2));
        Assert.Equal(616.0 / 104.0, (double)CostModel.KvCacheBytes(llava, vanilla, 2) / CostModel.KvCacheBytes(llava, zipped, 2), 12);
        // The paper's per-layer model 4nd^2 + 2n^2d + 3ndm gives 6.05x for 616 -> 104 tokens (README table).
        Assert.Equal(6.05, llava.Decoder.LayerFlops(616) / llava.Decoder.LayerFlops(104), 2);
        // 6.61 G projection + lm_head weights: 13.2 GB per bf16 decode step before the cache.
        Assert.Equal(6_607_339_520L, 32 * llava.Decoder.ProjectionWeightsPerLayer + 32064L * 4096);
    }

    [Fact]
    public void The_encoder_lowers_the_time_to_first_token_bound()
    {
        var llava = VlmGeometry.Llava15_7B;
        var vanilla = new Workload(1, 576, 40);
        var zipped = new Workload(1, 64, 40);
        double prefillOnly = CostModel.PrefillSpeedupBound(llava, vanilla, zipped);
        double withEncoder = CostModel.TimeToFirstTokenSpeedupBound(llava, vanilla, zipped);
        Assert.InRange(withEncoder, 1.0, prefillOnly);
        // The encoder is unchanged by the zip, so the reduced total is at least the encoder's share.
        var cost = CostModel.Prefill(llava, vanilla);
        Assert.True(withEncoder < cost.Total / cost.Encoder);
        // A decode step reads the same weights either way: the bound is a few percent from the smaller cache.
        Assert.InRange(CostModel.DecodeSpeedupBound(llava, vanilla, zipped, 2, 2), 1.0, 1.05);
    }

    [Fact]
    public void Bad_workloads_are_rejected_naming_the_argument()
    {
        var error = Assert.Throws<ArgumentException>(() => CostModel.Prefill(VlmGeometry.Llava15_7B, new Workload(1, -1, 40)));
        Assert.Equal("workload", error.ParamName);
        Assert.Throws<ArgumentException>(() => CostModel.Prefill(VlmGeometry.Llava15_7B, new Workload(1, 0, 0)));
        Assert.Throws<ArgumentOutOfRangeException>(() => VlmGeometry.Llava15_7B.Decoder.KvCacheBytes(10, elementSize: 0));
    }
}
