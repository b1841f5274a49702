using TorchSharp;
using VisionZip.Runtime;
using VisionZip.Tests.Support;
using static TorchSharp.torch;

namespace VisionZip.Tests.Core;

/// <summary>Invariants on random inputs: index sets, counts, batch rows, the three attention forms, dtypes.</summary>
public class ZipPropertyTests
{
    // torch must not run before the native shim: a failed TorchSharp type initializer poisons the whole process.
    public ZipPropertyTests() => TorchRuntime.EnsureLoaded();

    private const int Batch = 3;
    private const int Heads = 4;
    private const int SeqLen = 50;
    private const int Hidden = 8;
    private const int HeadDim = 4;

    /// <summary>Random hidden states, full attention map (softmax rows) and metric; seeded, so reproducible.</summary>
    private static (Tensor HiddenStates, Tensor FullMap, Tensor Metric) RandomLayer(ulong seed)
    {
        var generator = new Generator(seed);
        var hiddenStates = torch.randn([Batch, SeqLen, Hidden], generator: generator);
        var fullMap = (torch.randn([Batch, Heads, SeqLen, SeqLen], generator: generator) * 3).softmax(-1);
        var metric = torch.randn([Batch, SeqLen, HeadDim], generator: generator);
        return (hiddenStates, fullMap, metric);
    }

    [Theory]
    [InlineData(true, 10, 5)]
    [InlineData(false, 10, 5)]
    [InlineData(true, 2, 48)]
    [InlineData(false, 1, 49)]
    [InlineData(true, 30, 0)]
    public void Indices_are_sorted_unique_and_partition_the_tokens(bool hasCls, int dominant, int contextual)
    {
        using var scope = NewDisposeScope();
        var (hiddenStates, fullMap, metric) = RandomLayer(1);

        using var result = VisionZipper.Zip(hiddenStates, fullMap, metric, new ZipBudget(dominant, contextual), hasCls);

        Assert.Equal(new long[] { Batch, dominant + contextual, Hidden }, result.Tokens.shape);
        Assert.Equal(new long[] { Batch, dominant }, result.KeptIndices.shape);
        Assert.Equal(new long[] { Batch, contextual }, result.ContextualTargets.shape);
        Assert.Equal(new long[] { Batch, SeqLen }, result.Assignment.shape);
        Assert.Equal(new long[] { Batch, SeqLen }, result.Scores.shape);
        foreach (var tensor in new[] { result.KeptIndices, result.ContextualTargets, result.Assignment })
        {
            Assert.Equal(ScalarType.Int64, tensor.dtype);
        }

        for (int row = 0; row < Batch; row++)
        {
            long[] kept = result.KeptIndices[row].data<long>().ToArray();
            long[] targets = result.ContextualTargets[row].data<long>().ToArray();
            long[] assignment = result.Assignment[row].data<long>().ToArray();

            Assert.True(kept.Zip(kept.Skip(1)).All(p => p.First < p.Second), $"row {row}: kept not strictly ascending");
            Assert.True(targets.Zip(targets.Skip(1)).All(p => p.First < p.Second), $"row {row}: targets not strictly ascending");
            Assert.True(kept.All(k => k is >= 0 and < SeqLen));
            if (hasCls)
            {
                Assert.Equal(0, kept[0]);
            }

            Assert.Empty(kept.Intersect(targets));
            for (int position = 0; position < SeqLen; position++)
            {
                bool isKept = kept.Contains(position);
                // With contextual = 0 the dropped tokens are -1 too; otherwise -1 means exactly "kept".
                Assert.True(contextual == 0 ? assignment[position] == -1 : isKept == (assignment[position] == -1),
                    $"row {row}, position {position}: kept {isKept}, assignment {assignment[position]}");
            }

            for (int group = 0; group < contextual; group++)
            {
                Assert.Equal(group, assignment[targets[group]]);
            }

            // Dominant tokens are the kept rows of hiddenStates, unchanged.
            var dominantTokens = hiddenStates[row].index_select(0, result.KeptIndices[row]);
            Assert.True(TensorsEqual.Same(dominantTokens, result.Tokens[row, ..dominant]), $"row {row}: dominant tokens differ");
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Full_map_statistic_and_reduced_scores_give_the_same_result(bool hasCls)
    {
        using var scope = NewDisposeScope();
        var (hiddenStates, fullMap, metric) = RandomLayer(2);
        var statistic = hasCls ? fullMap.select(2, 0).contiguous() : fullMap.mean([2]);    // [B, H, N]
        var reduced = hasCls ? statistic.sum(1) : statistic.mean([1]);                     // [B, N]
        var budget = new ZipBudget(12, 6);

        using var fromMap = VisionZipper.Zip(hiddenStates, fullMap, metric, budget, hasCls);
        using var fromStatistic = VisionZipper.Zip(hiddenStates, statistic, metric, budget, hasCls);
        using var fromReduced = VisionZipper.Zip(hiddenStates, reduced, metric, budget, hasCls);

        foreach (var (other, name) in new[] { (fromStatistic, "statistic"), (fromReduced, "reduced") })
        {
            TensorAssert.Equal(fromMap.KeptIndices, other.KeptIndices, name + " kept");
            TensorAssert.Equal(fromMap.ContextualTargets, other.ContextualTargets, name + " targets");
            TensorAssert.Equal(fromMap.Assignment, other.Assignment, name + " assignment");
            TensorAssert.Close(fromMap.Tokens, other.Tokens, name + " tokens");
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Each_batch_row_is_zipped_on_its_own(bool hasCls)
    {
        using var scope = NewDisposeScope();
        var (hiddenStates, fullMap, metric) = RandomLayer(3);
        var budget = new ZipBudget(10, 4);

        using var batched = VisionZipper.Zip(hiddenStates, fullMap, metric, budget, hasCls);

        Assert.False(TensorsEqual.Same(batched.KeptIndices[0], batched.KeptIndices[1]), "rows should keep different tokens");
        for (int row = 0; row < Batch; row++)
        {
            using var single = VisionZipper.Zip(hiddenStates[row..(row + 1)], fullMap[row..(row + 1)], metric[row..(row + 1)], budget, hasCls);
            TensorAssert.Equal(single.KeptIndices, batched.KeptIndices[row..(row + 1)], $"row {row} kept");
            TensorAssert.Equal(single.ContextualTargets, batched.ContextualTargets[row..(row + 1)], $"row {row} targets");
            TensorAssert.Equal(single.Assignment, batched.Assignment[row..(row + 1)], $"row {row} assignment");
            TensorAssert.Close(single.Tokens, batched.Tokens[row..(row + 1)], $"row {row} tokens");
        }
    }

    [Theory]
    [InlineData(ScalarType.Float16, true)]
    [InlineData(ScalarType.BFloat16, true)]
    [InlineData(ScalarType.Float16, false)]
    [InlineData(ScalarType.BFloat16, false)]
    public void Half_precision_input_keeps_its_dtype_and_matches_float32(ScalarType dtype, bool hasCls)
    {
        using var scope = NewDisposeScope();
        var (hiddenStates, fullMap, metric) = RandomLayer(4);
        // Values that both half formats hold exactly (8 mantissa bits, away from fp16's subnormals), so the float32
        // run sees the very numbers the half run upcasts.
        var exactStates = (hiddenStates.abs() + 0.25).to(ScalarType.BFloat16).to(ScalarType.Float32);
        var exactAttention = fullMap.mean([2]).to(ScalarType.BFloat16).to(ScalarType.Float32);
        var exactMetric = (metric.abs() + 0.25).to(ScalarType.BFloat16).to(ScalarType.Float32);
        var budget = new ZipBudget(10, 5);

        using var reference = VisionZipper.Zip(exactStates, exactAttention, exactMetric, budget, hasCls);
        using var half = VisionZipper.Zip(exactStates.to(dtype), exactAttention.to(dtype), exactMetric.to(dtype), budget, hasCls);

        Assert.Equal(dtype, half.Tokens.dtype);
        Assert.Equal(ScalarType.Float32, half.Scores.dtype);
        TensorAssert.Equal(reference.KeptIndices, half.KeptIndices, "kept");
        TensorAssert.Equal(reference.ContextualTargets, half.ContextualTargets, "targets");
        TensorAssert.Equal(reference.Assignment, half.Assignment, "assignment");
        // Computed in float32, rounded once at the end.
        Assert.True(TensorsEqual.Same(reference.Tokens.to(dtype), half.Tokens), "tokens should be the float32 result rounded to " + dtype);
        double unitRoundoff = dtype == ScalarType.BFloat16 ? 1.0 / 256 : 1.0 / 2048;
        TensorAssert.Close(reference.Tokens, half.Tokens.to(ScalarType.Float32), $"{dtype} tokens", relative: unitRoundoff);
    }

    [Fact]
    public void Inputs_are_left_untouched_and_scores_do_not_alias_them()
    {
        using var scope = NewDisposeScope();
        var (hiddenStates, fullMap, metric) = RandomLayer(5);
        var reduced = fullMap.mean([2]).mean([1]);                                    // [B, N] float32
        var copies = new[] { hiddenStates.clone(), reduced.clone(), metric.clone() };

        using (var result = VisionZipper.Zip(hiddenStates, reduced, metric, new ZipBudget(10, 5), hasCls: false))
        {
            result.Scores.fill_(0);
        }

        Assert.True(TensorsEqual.Same(copies[0], hiddenStates) && TensorsEqual.Same(copies[1], reduced) && TensorsEqual.Same(copies[2], metric));
    }

    [Fact]
    public void Non_contiguous_inputs_give_the_same_result()
    {
        using var scope = NewDisposeScope();
        var (hiddenStates, fullMap, metric) = RandomLayer(6);
        var budget = new ZipBudget(10, 5);
        var strided = (hiddenStates.transpose(1, 2).contiguous().transpose(1, 2),
                       fullMap.transpose(2, 3).contiguous().transpose(2, 3),
                       metric.transpose(0, 1).contiguous().transpose(0, 1));
        Assert.False(strided.Item1.is_contiguous() || strided.Item3.is_contiguous());

        using var reference = VisionZipper.Zip(hiddenStates, fullMap, metric, budget, hasCls: true);
        using var result = VisionZipper.Zip(strided.Item1, strided.Item2, strided.Item3, budget, hasCls: true);

        TensorAssert.Equal(reference.KeptIndices, result.KeptIndices, "kept");
        TensorAssert.Equal(reference.Assignment, result.Assignment, "assignment");
        TensorAssert.Close(reference.Tokens, result.Tokens, "tokens");
    }

    [Fact]
    public void Float64_input_stays_float64()
    {
        using var scope = NewDisposeScope();
        var (hiddenStates, fullMap, metric) = RandomLayer(7);
        var budget = new ZipBudget(10, 5);

        using var single = VisionZipper.Zip(hiddenStates, fullMap, metric, budget, hasCls: false);
        using var dbl = VisionZipper.Zip(hiddenStates.to(ScalarType.Float64), fullMap.to(ScalarType.Float64), metric.to(ScalarType.Float64), budget, hasCls: false);

        Assert.Equal(ScalarType.Float64, dbl.Tokens.dtype);
        Assert.Equal(ScalarType.Float32, dbl.Scores.dtype);
        TensorAssert.Equal(single.KeptIndices, dbl.KeptIndices, "kept");
        TensorAssert.Equal(single.Assignment, dbl.Assignment, "assignment");
        TensorAssert.Close(dbl.Tokens, single.Tokens, "tokens");
    }
}
