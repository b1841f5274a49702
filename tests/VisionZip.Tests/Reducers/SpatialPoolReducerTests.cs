using TorchSharp;
using static TorchSharp.torch;

namespace VisionZip.Tests.Reducers;

/// <summary>The spatial pooling baseline against pooling computed by hand, window by window, in float64.</summary>
public sealed class SpatialPoolReducerTests
{
    // A [batch, (cls) + side*side, features] layer whose values are all different, so a wrong window shows.
    private static FeatureLayer Layer(int batch, int side, int features, bool hasCls)
    {
        int tokens = side * side + (hasCls ? 1 : 0);
        var values = torch.arange(batch * tokens * features, dtype: ScalarType.Float32).reshape(batch, tokens, features);
        return new FeatureLayer(values.sin().mul(10).add(values.div(7)), attention: null, metric: null, hasCls);
    }

    // Mean of the patches y in [y0, y1), x in [x0, x1) of image b, by explicit loops.
    private static double[] HandPooled(float[,,] hidden, int b, int offset, int side, int y0, int y1, int x0, int x1)
    {
        int features = hidden.GetLength(2);
        var sum = new double[features];
        int count = 0;
        for (int y = y0; y < y1; y++)
        {
            for (int x = x0; x < x1; x++)
            {
                for (int f = 0; f < features; f++)
                {
                    sum[f] += hidden[b, offset + y * side + x, f];
                }

                count++;
            }
        }

        return [.. sum.Select(s => s / count)];
    }

    private static float[,,] ToArray(Tensor tensor)
    {
        var (b, n, d) = ((int)tensor.shape[0], (int)tensor.shape[1], (int)tensor.shape[2]);
        var flat = tensor.to(ScalarType.Float32).contiguous().data<float>().ToArray();
        var result = new float[b, n, d];
        Buffer.BlockCopy(flat, 0, result, 0, flat.Length * sizeof(float));
        return result;
    }

    [Theory]
    [InlineData(4, 4, true)]     // 2x2 cells of 2x2 patches, CLS dropped
    [InlineData(4, 6, false)]    // 2x3: the three column windows overlap ([0,2) [1,3) [2,4))
    [InlineData(6, 4, true)]     // 2x2 of 3x3
    [InlineData(6, 10, true)]    // 2x5: uneven windows
    [InlineData(5, 25, false)]   // identity
    [InlineData(5, 1, true)]     // global average
    public void Pooled_tokens_equal_hand_computed_window_means(int side, int count, bool hasCls)
    {
        using var scope = torch.NewDisposeScope();
        using var layer = Layer(batch: 2, side, features: 3, hasCls);
        var reducer = new SpatialPoolReducer(count);
        Assert.Equal(count, reducer.OutputTokenCount(layer.TokenCount, hasCls));

        using var pooled = Assert.IsType<PooledTokens>(reducer.Reduce(layer));
        Assert.Equal([2, count, 3], pooled.Tokens.shape);
        Assert.Equal(count, pooled.Rows * pooled.Cols);
        Assert.True(pooled.Rows <= pooled.Cols);

        var hidden = ToArray(layer.HiddenStates);
        var actual = ToArray(pooled.Tokens);
        int offset = hasCls ? 1 : 0;
        for (int b = 0; b < 2; b++)
        {
            for (int r = 0; r < pooled.Rows; r++)
            {
                for (int c = 0; c < pooled.Cols; c++)
                {
                    // adaptive_avg_pool2d's windows: floor(i * g / cells) to ceil((i + 1) * g / cells).
                    int y0 = r * side / pooled.Rows, y1 = (int)Math.Ceiling((r + 1) * side / (double)pooled.Rows);
                    int x0 = c * side / pooled.Cols, x1 = (int)Math.Ceiling((c + 1) * side / (double)pooled.Cols);
                    var expected = HandPooled(hidden, b, offset, side, y0, y1, x0, x1);
                    for (int f = 0; f < 3; f++)
                    {
                        Assert.True(Math.Abs(expected[f] - actual[b, r * pooled.Cols + c, f]) <= 1e-5 * Math.Max(1, Math.Abs(expected[f])),
                            $"image {b} cell ({r},{c}) feature {f}: expected {expected[f]}, got {actual[b, r * pooled.Cols + c, f]}");
                    }
                }
            }
        }
    }

    [Fact]
    public void Membership_marks_each_window_and_never_cls()
    {
        using var scope = torch.NewDisposeScope();
        using var layer = Layer(batch: 1, side: 4, features: 2, hasCls: true);
        using var pooled = new SpatialPoolReducer(6).Reduce(layer);
        using var membership = pooled.Membership();
        Assert.Equal([1, 6, 17], membership.shape);
        Assert.Equal(ScalarType.Bool, membership.dtype);
        Assert.False(membership[0, .., 0].any().item<bool>());                 // CLS feeds no cell
        // Cell (0, 1) of 2x3 covers rows [0, 2) and columns [1, 3): patches 1, 2, 5, 6 -> positions 2, 3, 6, 7.
        long[] members = [.. membership[0, 1].nonzero().flatten().data<long>()];
        Assert.Equal([2L, 3L, 6L, 7L], members);
        // Every patch feeds at least one cell.
        Assert.True(membership[0, .., 1..].any(0).all().item<bool>());
    }

    [Fact]
    public void Pooling_keeps_the_input_dtype()
    {
        using var scope = torch.NewDisposeScope();
        using var layer = new FeatureLayer(torch.randn(1, 17, 8).to(ScalarType.BFloat16), null, null, hasCls: true);
        using var pooled = new SpatialPoolReducer(4).Reduce(layer);
        Assert.Equal(ScalarType.BFloat16, pooled.Tokens.dtype);
    }

    [Theory]
    [InlineData(577, true, 64, null)]           // LLaVA-1.5: 24x24 -> 8x8
    [InlineData(729, false, 64, null)]          // SigLIP 27x27 -> 8x8
    [InlineData(577, true, 0, "tokens must be 1 to the 576 patches")]
    [InlineData(577, true, 577, "tokens must be 1 to the 576 patches")]
    [InlineData(17, true, 7, "cannot be laid out as rows x cols within the 4x4")]
    [InlineData(18, true, 4, "do not form a square grid")]
    public void Output_count_is_checked_before_encoding(int inputTokens, bool hasCls, int tokens, string? error)
    {
        var reducer = new SpatialPoolReducer(tokens);
        if (error is null)
        {
            Assert.Equal(tokens, reducer.OutputTokenCount(inputTokens, hasCls));
            Assert.Equal(FeatureStatistics.None, reducer.RequiredStatistics(hasCls));
        }
        else
        {
            var thrown = Assert.Throws<ArgumentException>(() => reducer.OutputTokenCount(inputTokens, hasCls));
            Assert.Contains(error, thrown.Message, StringComparison.Ordinal);
        }
    }
}
