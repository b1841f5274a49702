using VisionZip.Models.IO;
using VisionZip.Runtime;
using static TorchSharp.torch;

namespace VisionZip.Tests.Core;

/// <summary>
/// What the VisionZip parity tests of an encoder fixture (CLIP, SigLIP) share: inputs from hidden_states[-2] and
/// layer[-2].metric, the attention input chosen by the derived class, comparison with the golden zip cases.
/// </summary>
public abstract class EncoderZipParityTests
{
    private readonly string _folder;

    /// <summary>Binds the tests to the fixture <paramref name="folder"/>.</summary>
    protected EncoderZipParityTests(string folder)
    {
        // torch must not run before the native shim: a failed TorchSharp type initializer poisons the whole process.
        TorchRuntime.EnsureLoaded();
        _folder = folder;
    }

    private string FeatureLayer => $"hidden_states.{ZipGolden.EncoderLayers(_folder) - 1}";

    /// <summary>
    /// Zips hidden_states[-2] and layer_m2.metric with the attention <paramref name="attentionOf"/> builds from the
    /// golden file, and checks the result against the golden case <c>zip.{dominant}_{contextual}.</c>.
    /// </summary>
    protected void AssertZipMatches(Func<SafetensorsFile, Tensor> attentionOf, ZipBudget budget, bool hasCls)
    {
        using var golden = ZipGolden.Open(_folder);
        using var scope = NewDisposeScope();
        using var result = Zip(golden, attentionOf(golden), budget, hasCls);

        string prefix = $"zip.{budget.Dominant}_{budget.Contextual}.";
        ZipGolden.AssertMatches(golden, prefix, prefix + "tokens", result);
    }

    /// <summary>Zips hidden_states[-2] and layer_m2.metric of <paramref name="golden"/> with <paramref name="attention"/>.</summary>
    protected ZipResult Zip(SafetensorsFile golden, Tensor attention, ZipBudget budget, bool hasCls) =>
        VisionZipper.Zip(golden.Read(FeatureLayer), attention, golden.Read("layer_m2.metric"), budget, hasCls);

    [Fact]
    public void Every_zip_case_of_the_golden_file_is_listed()
    {
        using var golden = ZipGolden.Open(_folder);
        var stored = golden.Tensors.Keys.Where(name => name.StartsWith("zip.", StringComparison.Ordinal) && name.EndsWith(".kept", StringComparison.Ordinal))
            .Select(name => name["zip.".Length..^".kept".Length]).Order().ToList();
        var listed = ZipGolden.Cases(_folder).Select(row => $"{row[0]}_{row[1]}").Order().ToList();
        Assert.Equal(stored, listed);
    }
}
