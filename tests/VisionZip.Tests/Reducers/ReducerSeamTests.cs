using TorchSharp;
using VisionZip.Models.Vision;
using VisionZip.Tests.Support;
using static TorchSharp.torch;

namespace VisionZip.Tests.Reducers;

/// <summary>The reducer seam: the registry, a reducer added from outside, statistics on demand, the selection record.</summary>
public sealed class ReducerSeamTests
{
    /// <summary>A trivial method written as a user would: keep the first <c>Total</c> tokens; it records what it saw.</summary>
    private sealed class FirstTokensReducer(int tokens) : IVisualTokenReducer
    {
        public FeatureStatistics? Seen { get; private set; }

        public string Name => "first-tokens";

        public FeatureStatistics RequiredStatistics(bool hasCls) => FeatureStatistics.None;

        public int OutputTokenCount(int inputTokens, bool hasCls) =>
            tokens <= inputTokens ? tokens : throw new ArgumentException($"first-tokens: {tokens} > {inputTokens}");

        public TokenReduction Reduce(FeatureLayer layer)
        {
            Seen = layer.Statistics;
            return new Kept(layer.HiddenStates.narrow(1, 0, tokens).clone(), layer.TokenCount);
        }

        private sealed class Kept(Tensor tokens, int inputTokens) : TokenReduction(tokens, inputTokens)
        {
            public override Tensor Membership() =>
                torch.eye(OutputTokens, InputTokens, dtype: ScalarType.Bool).unsqueeze(0).expand(Batch, -1, -1).contiguous();
        }
    }

    [Fact]
    public void Built_in_reducers_are_registered_by_name()
    {
        Assert.Contains(VisualTokenReducers.VisionZip, VisualTokenReducers.Names);
        Assert.Contains(VisualTokenReducers.Pool, VisualTokenReducers.Names);
        var zip = Assert.IsType<VisionZipReducer>(VisualTokenReducers.Create("VisionZip", new ZipBudget(54, 10)));
        Assert.Equal(new ZipBudget(54, 10), zip.Budget);
        var pool = Assert.IsType<SpatialPoolReducer>(VisualTokenReducers.Create("pool", new ZipBudget(54, 10)));
        Assert.Equal(64, pool.Tokens);
        var error = Assert.Throws<ArgumentException>(() => VisualTokenReducers.Create("fastv", new ZipBudget(54, 10)));
        Assert.Contains("'fastv' is not known", error.Message, StringComparison.Ordinal);
        Assert.Contains("visionzip", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_registered_reducer_runs_through_the_tower_with_only_the_statistics_it_asks_for()
    {
        VisualTokenReducers.Register("first-tokens", budget => new FirstTokensReducer(budget.Total));
        Assert.Contains("first-tokens", VisualTokenReducers.Names);
        var reducer = Assert.IsType<FirstTokensReducer>(VisualTokenReducers.Create("first-tokens", new ZipBudget(5, 2)));

        using var tower = VisionTower.Load(Fixtures.Path("clip-vit-tiny-patch14-336"));
        using var scope = torch.NewDisposeScope();
        var pixels = torch.rand(1, 3, tower.Config.ImageSize, tower.Config.ImageSize);
        var stages = new List<VisionStage>();
        using var reduced = tower.EncodeReduced(pixels, reducer, stages.Add);
        Assert.Equal([VisionStage.Encoder, VisionStage.Reduction], stages);
        Assert.Equal(FeatureStatistics.None, reducer.Seen);
        Assert.Equal([1L, 7L, tower.Config.HiddenSize], reduced.Tokens.shape);
        using var features = tower.EncodeFeatureLayer(pixels, FeatureStatistics.None);
        Assert.True(reduced.Tokens.equal(features.HiddenStates.narrow(1, 0, 7)).all().item<bool>());
        Assert.Null(reduced.KeptIndices);
    }

    [Fact]
    public void The_encoder_computes_only_the_requested_statistics()
    {
        using var tower = VisionTower.Load(Fixtures.Path("clip-vit-tiny-patch14-336"));
        using var scope = torch.NewDisposeScope();
        var pixels = torch.rand(1, 3, tower.Config.ImageSize, tower.Config.ImageSize);
        using var none = tower.EncodeFeatureLayer(pixels, FeatureStatistics.None);
        Assert.Null(none.Attention);
        Assert.Null(none.Metric);
        using var all = tower.EncodeFeatureLayer(pixels, FeatureStatistics.ClsAttention | FeatureStatistics.KeyMetric);
        Assert.NotNull(all.Attention);
        Assert.NotNull(all.Metric);
        Assert.True(none.HiddenStates.equal(all.HiddenStates).all().item<bool>());
        Assert.Throws<ArgumentException>(() => tower.EncodeFeatureLayer(pixels, FeatureStatistics.ClsAttention | FeatureStatistics.MeanReceivedAttention));
        var missing = Assert.Throws<ArgumentException>(() => new VisionZipReducer(new ZipBudget(54, 10)).Reduce(none));
        Assert.Contains("'visionzip' reducer needs", missing.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_oversized_budget_fails_before_the_encoder_runs()
    {
        using var tower = VisionTower.Load(Fixtures.Path("clip-vit-tiny-patch14-336"));
        using var pixels = torch.rand(1, 3, tower.Config.ImageSize, tower.Config.ImageSize);
        var stages = new List<VisionStage>();
        var error = Assert.Throws<ArgumentException>(() => tower.EncodeReduced(pixels, new VisionZipReducer(new ZipBudget(600, 10)), stages.Add));
        Assert.Contains("dominant 600", error.Message, StringComparison.Ordinal);
        Assert.Empty(stages);
    }

    [Fact]
    public void Zip_membership_matches_kept_indices_and_assignment()
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(3);
        var hidden = torch.randn(2, 17, 4);
        var attention = torch.rand(2, 2, 17);
        var metric = torch.randn(2, 17, 3);
        using var layer = new FeatureLayer(hidden, attention, metric, hasCls: true);
        using var zip = new VisionZipReducer(new ZipBudget(5, 3)).Zip(layer);
        using var membership = zip.Membership();
        Assert.Equal([2L, 8L, 17L], membership.shape);
        for (int b = 0; b < 2; b++)
        {
            long[] kept = [.. zip.KeptIndices[b].data<long>()];
            long[] assignment = [.. zip.Assignment[b].data<long>()];
            for (int t = 0; t < 8; t++)
            {
                long[] members = [.. membership[b, t].nonzero().flatten().data<long>()];
                long[] expected = t < 5
                    ? [kept[t]]
                    : [.. Enumerable.Range(0, 17).Where(n => assignment[n] == t - 5).Select(n => (long)n)];
                Assert.Equal(expected, members);
            }

            // Every token feeds exactly one output (a dominant token itself, every other its group).
            using var perToken = membership[b].to(ScalarType.Int64).sum(dim: 0);
            Assert.Equal(Enumerable.Repeat(1L, 17), perToken.data<long>().ToArray());
        }
    }

    [Theory]
    [InlineData("54+10", 54, 10)]
    [InlineData(" 27 + 5 ", 27, 5)]
    [InlineData("64", 64, 0)]
    public void Budget_parses(string text, int dominant, int contextual) =>
        Assert.Equal(new ZipBudget(dominant, contextual), ZipBudget.Parse(text));

    [Theory]
    [InlineData("")]
    [InlineData("54+")]
    [InlineData("-5+10")]
    [InlineData("54+10+1")]
    [InlineData("5.5")]
    [InlineData("99999999999")]
    public void Bad_budget_text_names_the_text(string text)
    {
        var error = Assert.Throws<FormatException>(() => ZipBudget.Parse(text));
        Assert.Contains($"'{text}'", error.Message, StringComparison.Ordinal);
    }
}
