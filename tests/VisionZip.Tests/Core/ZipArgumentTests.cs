using TorchSharp;
using VisionZip.Runtime;
using static TorchSharp.torch;

namespace VisionZip.Tests.Core;

/// <summary>One test per bad input: an <see cref="ArgumentException"/> naming the argument and the numbers.</summary>
public class ZipArgumentTests
{
    // torch must not run before the native shim: a failed TorchSharp type initializer poisons the whole process.
    public ZipArgumentTests() => TorchRuntime.EnsureLoaded();

    private const int SeqLen = 7;

    private static Tensor States() => torch.zeros(1, SeqLen, 2);

    private static Tensor Statistic() => torch.rand([1, 2, SeqLen]);

    private static Tensor Metric() => torch.ones(1, SeqLen, 2);

    private static void AssertRejected(Action zip, string parameter, params string[] fragments)
    {
        using var scope = NewDisposeScope();
        var error = Assert.Throws<ArgumentException>(zip);
        Assert.Equal(parameter, error.ParamName);
        foreach (string fragment in fragments)
        {
            Assert.Contains(fragment, error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Hidden_states_of_rank_2() => AssertRejected(
        () => VisionZipper.Zip(torch.zeros(SeqLen, 2), Statistic(), Metric(), new ZipBudget(2, 1), true),
        "hiddenStates", "[B, N, D]", "rank 2", "[7, 2]");

    [Fact]
    public void Metric_with_another_batch() => AssertRejected(
        () => VisionZipper.Zip(States(), Statistic(), torch.ones(2, SeqLen, 2), new ZipBudget(2, 1), true),
        "metric", "[1, 7, head_dim]", "[2, 7, 2]");

    [Fact]
    public void Metric_with_another_token_count() => AssertRejected(
        () => VisionZipper.Zip(States(), Statistic(), torch.ones(1, 6, 2), new ZipBudget(2, 1), true),
        "metric", "[1, 7, head_dim]", "[1, 6, 2]");

    [Fact]
    public void Attention_of_rank_5() => AssertRejected(
        () => VisionZipper.Zip(States(), torch.rand([1, 1, 2, SeqLen, SeqLen]), Metric(), new ZipBudget(2, 1), true),
        "attention", "[B, H, N, N], [B, H, N] or [B, N]", "B = 1, N = 7", "[1, 1, 2, 7, 7]");

    [Fact]
    public void Attention_statistic_with_another_token_count() => AssertRejected(
        () => VisionZipper.Zip(States(), torch.rand(1, 2, 6), Metric(), new ZipBudget(2, 1), true),
        "attention", "N = 7", "[1, 2, 6]");

    [Fact]
    public void Attention_map_that_is_not_square() => AssertRejected(
        () => VisionZipper.Zip(States(), torch.rand(1, 2, SeqLen, 6), Metric(), new ZipBudget(2, 1), false),
        "attention", "N = 7", "[1, 2, 7, 6]");

    [Fact]
    public void Reduced_scores_with_another_batch() => AssertRejected(
        () => VisionZipper.Zip(States(), torch.rand(2, SeqLen), Metric(), new ZipBudget(2, 1), false),
        "attention", "B = 1", "[2, 7]");

    [Fact]
    public void Dominant_zero_without_cls() => AssertRejected(
        () => VisionZipper.Zip(States(), Statistic(), Metric(), new ZipBudget(0, 1), false),
        "budget", "at least 1", "dominant 0");

    [Fact]
    public void Dominant_one_with_cls() => AssertRejected(
        () => VisionZipper.Zip(States(), Statistic(), Metric(), new ZipBudget(1, 1), true),
        "budget", "at least 2", "dominant 1");

    [Fact]
    public void Negative_contextual() => AssertRejected(
        () => VisionZipper.Zip(States(), Statistic(), Metric(), new ZipBudget(2, -1), true),
        "budget", "contextual -1");

    [Fact]
    public void Dominant_more_than_the_tokens() => AssertRejected(
        () => VisionZipper.Zip(States(), Statistic(), Metric(), new ZipBudget(8, 0), false),
        "budget", "dominant 8", "7 tokens");

    [Fact]
    public void Dominant_plus_contextual_more_than_the_tokens() => AssertRejected(
        () => VisionZipper.Zip(States(), Statistic(), Metric(), new ZipBudget(5, 3), true),
        "budget", "dominant 5 + contextual 3 = 8", "7 tokens", "contextual 3 is more than the 2 remaining tokens");

    [Fact]
    public void Integer_hidden_states() => AssertRejected(
        () => VisionZipper.Zip(torch.zeros(1, SeqLen, 2, dtype: ScalarType.Int64), Statistic(), Metric(), new ZipBudget(2, 1), true),
        "hiddenStates", "floating-point", "Int64");

    [Fact]
    public void Integer_attention() => AssertRejected(
        () => VisionZipper.Zip(States(), torch.ones(1, 2, SeqLen, dtype: ScalarType.Int32), Metric(), new ZipBudget(2, 1), true),
        "attention", "floating-point", "Int32");

    [Fact]
    public void Boolean_metric() => AssertRejected(
        () => VisionZipper.Zip(States(), Statistic(), torch.ones(1, SeqLen, 2, dtype: ScalarType.Bool), new ZipBudget(2, 1), true),
        "metric", "floating-point", "Bool");

    [Fact]
    public void Null_tensor()
    {
        using var scope = NewDisposeScope();
        var error = Assert.Throws<ArgumentNullException>(() => VisionZipper.Zip(States(), null!, Metric(), new ZipBudget(2, 1), true));
        Assert.Equal("attention", error.ParamName);
    }
}
