using VisionZip.Models.Language;
using VisionZip.Runtime;
using VisionZip.Tests.Support;
using static TorchSharp.torch;

namespace VisionZip.Tests.Language;

/// <summary>Parity of one decoder fixture (float32 compute over the stored weights) with its goldens.</summary>
public abstract class DecoderParityTests
{
    private readonly string folder;

    protected DecoderParityTests(string folder)
    {
        TorchRuntime.EnsureLoaded();
        this.folder = folder;
    }

    [Fact]
    public void Rope_inverse_frequencies_match()
    {
        using var fixture = new DecoderFixture(folder);
        using var scope = NewDisposeScope();
        var actual = LlamaRotaryEmbedding.InverseFrequencies(fixture.Model.Config);
        Assert.Equal(ScalarType.Float32, actual.dtype);
        TensorAssert.Close(fixture.Read("rope_inv_freq"), actual, $"{folder} rope_inv_freq");
    }

    [Fact]
    public void Full_sequence_logits_match()
    {
        using var fixture = new DecoderFixture(folder);
        using var scope = NewDisposeScope();
        var logits = fixture.Model.Forward(fixture.Read("input_ids"), logits: LogitsSelection.AllPositions);
        TensorAssert.Close(fixture.Read("logits"), logits, $"{folder} logits");
    }

    [Fact]
    public void Last_position_logits_are_the_last_row_of_the_full_logits()
    {
        using var fixture = new DecoderFixture(folder);
        using var scope = NewDisposeScope();
        var golden = fixture.Read("logits");
        var last = fixture.Model.Forward(fixture.Read("input_ids"));
        TensorAssert.Close(golden.select(1, golden.shape[1] - 1), last, $"{folder} last-position logits");
    }

    [Fact]
    public void Logits_with_the_cache_fed_in_chunks_match()
    {
        using var fixture = new DecoderFixture(folder);
        using var scope = NewDisposeScope();
        var inputIds = fixture.Read("input_ids");
        using var cache = fixture.Model.CreateCache();
        var chunks = new List<Tensor>();
        long start = 0;
        foreach (int length in fixture.KvCacheSchedule)
        {
            Assert.Equal(start, cache.Length);
            chunks.Add(fixture.Model.Forward(inputIds.narrow(1, start, length), cache, LogitsSelection.AllPositions));
            start += length;
        }

        Assert.Equal(inputIds.shape[1], start);
        Assert.Equal(start, cache.Length);
        TensorAssert.Close(fixture.Read("cached_logits"), cat(chunks, 1), $"{folder} cached_logits");
    }

    [Fact]
    public void Greedy_decoding_with_the_cache_matches()
    {
        using var fixture = new DecoderFixture(folder);
        using var scope = NewDisposeScope();
        var golden = fixture.Read("greedy_tokens");
        int steps = (int)golden.shape[1];
        using var cache = fixture.Model.CreateCache();
        var logits = fixture.Model.Forward(fixture.Read("input_ids"), cache); // [B, V]
        var tokens = new List<Tensor>();
        var stepLogits = new List<Tensor>();
        for (int step = 0; step < steps; step++)
        {
            stepLogits.Add(logits);
            var next = logits.argmax(-1, keepdim: true); // [B, 1]
            tokens.Add(next);
            if (step + 1 < steps)
            {
                logits = fixture.Model.Forward(next, cache);
            }
        }

        TensorAssert.Equal(golden, cat(tokens, 1), $"{folder} greedy_tokens");
        TensorAssert.Close(fixture.Read("greedy_logits"), stack(stepLogits, 1), $"{folder} greedy_logits");
    }

    [Fact]
    public void NextGreedyToken_continues_each_sequence_as_the_goldens()
    {
        using var fixture = new DecoderFixture(folder);
        using var scope = NewDisposeScope();
        var golden = fixture.Read("greedy_tokens");                                    // [B, steps]
        var inputIds = fixture.Read("input_ids");                                      // [B, T]
        for (long row = 0; row < golden.shape[0]; row++)
        {
            using var cache = fixture.Model.CreateCache();
            long next = fixture.Model.Forward(inputIds.narrow(0, row, 1), cache).argmax(-1).item<long>();
            var tokens = new List<long> { next };
            while (tokens.Count < golden.shape[1])
            {
                long length = cache.Length;
                next = fixture.Model.NextGreedyToken(next, cache);
                Assert.Equal(length + 1, cache.Length);
                tokens.Add(next);
            }

            Assert.Equal(golden[row].data<long>().ToArray(), tokens.ToArray());
        }

        Assert.Throws<ArgumentNullException>(() => fixture.Model.NextGreedyToken(1, null!));
    }

    [Fact]
    public void Input_embeddings_give_the_same_logits_as_ids()
    {
        using var fixture = new DecoderFixture(folder);
        using var scope = NewDisposeScope();
        var inputIds = fixture.Read("input_ids");
        var embeddings = fixture.Model.EmbedTokens(inputIds);
        Assert.Equal(new long[] { inputIds.shape[0], inputIds.shape[1], fixture.Model.Config.HiddenSize }, embeddings.shape);
        var logits = fixture.Model.ForwardEmbeddings(embeddings, logits: LogitsSelection.AllPositions);
        TensorAssert.Close(fixture.Read("logits"), logits, $"{folder} logits from inputs_embeds");
    }
}

/// <summary>llama-tiny: F16 weights, grouped-query attention (4 heads / 2 kv), llama3 rope scaling, untied head.</summary>
public sealed class LlamaTinyParityTests() : DecoderParityTests("llama-tiny");

/// <summary>qwen2-tiny: BF16 weights, q/k/v bias, 4 heads / 1 kv, tied embeddings.</summary>
public sealed class Qwen2TinyParityTests() : DecoderParityTests("qwen2-tiny");
