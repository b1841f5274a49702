using TorchSharp;
using VisionZip.Runtime;
using VisionZip.Tests.Support;
using static TorchSharp.torch;

namespace VisionZip.Tests.Core;

/// <summary>
/// Tiny cases whose answer can be checked by hand. Hidden state of token p is (p, p*p), so a merged token shows
/// which tokens went into it.
/// </summary>
public class HandComputedZipTests
{
    // torch must not run before the native shim: a failed TorchSharp type initializer poisons the whole process.
    public HandComputedZipTests() => TorchRuntime.EnsureLoaded();

    /// <summary>[1, N, 2] with row p = (p, p*p).</summary>
    private static Tensor Positions(int seqLen)
    {
        var p = torch.arange(seqLen, dtype: ScalarType.Float32);
        return torch.stack([p, p * p], 1).unsqueeze(0);
    }

    private static Tensor Row(params float[] values) => torch.tensor(values).unsqueeze(0);

    private static Tensor Keys(params float[] pairs) => torch.tensor(pairs).view(1, -1, 2);

    [Fact]
    public void Cls_encoder_keeps_cls_and_the_top_patches_and_merges_the_rest()
    {
        using var scope = NewDisposeScope();
        // CLS query row per head, 2 heads, 7 tokens (CLS + 6 patches). Summed: patches 1..6 score .5 .15 .4 .05 .6 .1
        var clsRow = torch.tensor(new float[]
        {
            0.10f, 0.30f, 0.05f, 0.20f, 0.00f, 0.35f, 0.00f,
            0.10f, 0.20f, 0.10f, 0.20f, 0.05f, 0.25f, 0.10f,
        }).view(1, 2, 7);
        // Keys: 2 -> (1,0), 4 -> (0,1) are the targets; 3 = (2,.5) is closer to 2, 6 = (.1,3) closer to 4.
        var metric = Keys(5, 5, 1, 1, 1, 0, 2, 0.5f, 0, 1, 1, 1, 0.1f, 3);

        using var result = VisionZipper.Zip(Positions(7), clsRow, metric, new ZipBudget(3, 2), hasCls: true);

        // Dominant: CLS, then patches 5 (.6) and 1 (.5), ascending. Remaining R = 2 3 4 6, step 4 / 2 = 2: targets 2, 4.
        TensorAssert.Equal(torch.tensor(new long[] { 0, 1, 5 }).unsqueeze(0), result.KeptIndices, "kept");
        TensorAssert.Equal(torch.tensor(new long[] { 2, 4 }).unsqueeze(0), result.ContextualTargets, "targets");
        TensorAssert.Equal(torch.tensor(new long[] { -1, -1, 0, 0, 1, -1, 1 }).unsqueeze(0), result.Assignment, "assignment");
        // X0, X1, X5, then X2 + X3 / 1 and X4 + X6 / 1.
        var expected = torch.tensor(new float[] { 0, 0, 1, 1, 5, 25, 5, 13, 10, 52 }).view(1, 5, 2);
        TensorAssert.Close(expected, result.Tokens, "tokens");
        TensorAssert.Close(Row(0.5f, 0.15f, 0.4f, 0.05f, 0.6f, 0.1f), result.Scores[.., 1..], "scores");
    }

    [Fact]
    public void Encoder_without_cls_adds_the_mean_of_the_members_to_the_target()
    {
        using var scope = NewDisposeScope();
        var scores = Row(0.9f, 0.1f, 0.2f, 0.3f, 0.8f, 0.05f);                     // [1, 6] already reduced
        var metric = Keys(1, 0, 1, 0, 1, 1, 0, 1, 1, 0, 3, 1);

        using var result = VisionZipper.Zip(Positions(6), scores, metric, new ZipBudget(2, 1), hasCls: false);

        // Kept 0 and 4; R = 1 2 3 5, one target (R[0] = 1) that takes every other token.
        TensorAssert.Equal(torch.tensor(new long[] { 0, 4 }).unsqueeze(0), result.KeptIndices, "kept");
        TensorAssert.Equal(torch.tensor(new long[] { 1 }).unsqueeze(0), result.ContextualTargets, "targets");
        TensorAssert.Equal(torch.tensor(new long[] { -1, 0, 0, 0, -1, 0 }).unsqueeze(0), result.Assignment, "assignment");
        // X1 + (X2 + X3 + X5) / 3 = (1, 1) + (10/3, 38/3).
        var expected = torch.tensor(new float[] { 0, 0, 4, 16, 13f / 3, 41f / 3 }).view(1, 3, 2);
        TensorAssert.Close(expected, result.Tokens, "tokens");
    }

    [Fact]
    public void A_token_equally_similar_to_two_targets_joins_the_first()
    {
        using var scope = NewDisposeScope();
        var scores = Row(0.9f, 0.1f, 0.2f, 0.3f);
        var metric = Keys(1, 1, 0, 1, 1, 0, 1, 1);                                  // 3 = (1,1) is 45 degrees from both

        using var result = VisionZipper.Zip(Positions(4), scores, metric, new ZipBudget(1, 2), hasCls: false);

        TensorAssert.Equal(torch.tensor(new long[] { 1, 2 }).unsqueeze(0), result.ContextualTargets, "targets");
        TensorAssert.Equal(torch.tensor(new long[] { -1, 0, 1, 0 }).unsqueeze(0), result.Assignment, "assignment");
    }

    [Fact]
    public void Targets_are_spaced_by_the_integer_step_of_the_remaining_tokens()
    {
        using var scope = NewDisposeScope();
        var scores = torch.zeros(1, 11);
        scores[0, 5] = torch.tensor(1f);                                           // keep token 5
        var metric = torch.ones(1, 11, 2);

        using var result = VisionZipper.Zip(Positions(11), scores, metric, new ZipBudget(1, 3), hasCls: false);

        // R = 0 1 2 3 4 6 7 8 9 10 (M = 10), step 10 / 3 = 3: R[0], R[3], R[6] = 0, 3, 7 (never R[9]).
        TensorAssert.Equal(torch.tensor(new long[] { 0, 3, 7 }).unsqueeze(0), result.ContextualTargets, "targets");
    }

    [Fact]
    public void Contextual_equal_to_the_remaining_tokens_keeps_every_token_unmerged()
    {
        using var scope = NewDisposeScope();
        var scores = Row(0.1f, 0.9f, 0.2f, 0.8f, 0.3f);
        var metric = torch.ones(1, 5, 2);

        using var result = VisionZipper.Zip(Positions(5), scores, metric, new ZipBudget(2, 3), hasCls: false);

        TensorAssert.Equal(torch.tensor(new long[] { 1, 3 }).unsqueeze(0), result.KeptIndices, "kept");
        TensorAssert.Equal(torch.tensor(new long[] { 0, 2, 4 }).unsqueeze(0), result.ContextualTargets, "targets");
        TensorAssert.Equal(torch.tensor(new long[] { 0, -1, 1, -1, 2 }).unsqueeze(0), result.Assignment, "assignment");
        var expected = torch.tensor(new float[] { 1, 1, 3, 9, 0, 0, 2, 4, 4, 16 }).view(1, 5, 2);
        TensorAssert.Close(expected, result.Tokens, "tokens");
    }

    [Fact]
    public void Contextual_zero_returns_the_dominant_tokens_only()
    {
        using var scope = NewDisposeScope();
        var clsRow = Row(0.5f, 0.1f, 0.3f, 0.2f).unsqueeze(1);                    // [1, 1, 4]

        using var result = VisionZipper.Zip(Positions(4), clsRow, torch.ones(1, 4, 2), new ZipBudget(2, 0), hasCls: true);

        TensorAssert.Equal(torch.tensor(new long[] { 0, 2 }).unsqueeze(0), result.KeptIndices, "kept");
        Assert.Equal(new long[] { 1, 0 }, result.ContextualTargets.shape);
        Assert.Equal(ScalarType.Int64, result.ContextualTargets.dtype);
        TensorAssert.Equal(torch.full(1, 4, -1L), result.Assignment, "assignment");
        TensorAssert.Close(torch.tensor(new float[] { 0, 0, 2, 4 }).view(1, 2, 2), result.Tokens, "tokens");
    }

    [Fact]
    public void Dominant_equal_to_all_tokens_returns_the_input()
    {
        using var scope = NewDisposeScope();
        var hiddenStates = Positions(5);

        using var result = VisionZipper.Zip(hiddenStates, Row(0.5f, 0.1f, 0.3f, 0.2f, 0.4f), torch.ones(1, 5, 2), new ZipBudget(5, 0), hasCls: true);

        TensorAssert.Equal(torch.arange(5L).unsqueeze(0), result.KeptIndices, "kept");
        Assert.True(TensorsEqual.Same(hiddenStates, result.Tokens), "tokens should equal hiddenStates");
    }

    [Fact]
    public void Presets_are_the_paper_budgets()
    {
        Assert.Equal(new ZipBudget(54, 10), ZipPresets.Llava15_64);
        Assert.Equal(new ZipBudget(108, 20), ZipPresets.Llava15_128);
        Assert.Equal(new ZipBudget(162, 30), ZipPresets.Llava15_192);
        // LLaVA-NeXT 2x2 grid: base + 4 crops = 5 images; paper totals 135+25, 270+50, 540+100.
        Assert.Equal((135, 25), (5 * ZipPresets.LlavaNext160.Dominant, 5 * ZipPresets.LlavaNext160.Contextual));
        Assert.Equal((270, 50), (5 * ZipPresets.LlavaNext320.Dominant, 5 * ZipPresets.LlavaNext320.Contextual));
        Assert.Equal((540, 100), (5 * ZipPresets.LlavaNext640.Dominant, 5 * ZipPresets.LlavaNext640.Contextual));
        Assert.Equal(17, ZipPresets.VideoLlava17.Total);
        Assert.Equal(136, 8 * ZipPresets.VideoLlava17.Total);
        Assert.Equal(new ZipBudget(191, 30), ZipPresets.ReferenceRelease);
        Assert.Equal("54+10", ZipPresets.Llava15_64.ToString());
        Assert.Equal(64, ZipPresets.Llava15_64.Total);
    }
}
