using TorchSharp;
using VisionZip.Runtime;
using static TorchSharp.torch;

namespace VisionZip.Tests.Core;

/// <summary>
/// Zip frees every intermediate tensor: TorchSharp's per-thread <see cref="DisposeScopeManager.Statistics"/> count
/// of live tensors is back where it started after many calls.
/// </summary>
public class ZipLeakTests
{
    // torch must not run before the native shim: a failed TorchSharp type initializer poisons the whole process.
    public ZipLeakTests() => TorchRuntime.EnsureLoaded();

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Zipping_a_thousand_times_leaves_no_live_tensors(bool hasCls)
    {
        var hiddenStates = torch.randn(2, 20, 8);
        var fullMap = torch.rand(2, 2, 20, 20).softmax(-1);
        var metric = torch.randn(2, 20, 4);
        var statistics = DisposeScopeManager.Statistics;
        try
        {
            // Warm up once (lazy native initialisation), then measure.
            VisionZipper.Zip(hiddenStates, fullMap, metric, new ZipBudget(6, 3), hasCls).Dispose();
            long before = statistics.ThreadTotalLiveCount;

            for (int i = 0; i < 1000; i++)
            {
                using var result = VisionZipper.Zip(hiddenStates, fullMap, metric, new ZipBudget(6, 3 * (i % 2)), hasCls);
            }

            Assert.Equal(before, statistics.ThreadTotalLiveCount);

            // The counter does see a tensor that is not disposed, so the check above can fail.
            var leaked = torch.zeros(1);
            Assert.Equal(before + 1, statistics.ThreadTotalLiveCount);
            leaked.Dispose();
        }
        finally
        {
            hiddenStates.Dispose();
            fullMap.Dispose();
            metric.Dispose();
        }
    }

    [Fact]
    public void Results_move_to_the_callers_scope()
    {
        var hiddenStates = torch.randn(1, 10, 4);
        var scores = torch.rand(1, 10);
        var metric = torch.randn(1, 10, 4);
        ZipResult result;
        using (var scope = NewDisposeScope())
        {
            result = VisionZipper.Zip(hiddenStates, scores, metric, new ZipBudget(3, 2), hasCls: false);
            Assert.False(result.Tokens.IsInvalid);
        }

        Assert.True(result.Tokens.IsInvalid, "the enclosing scope should have freed the result");
        Assert.True(result.Scores.IsInvalid);
        hiddenStates.Dispose();
        scores.Dispose();
        metric.Dispose();
    }
}
