using VisionZip.Models.Vision;
using static TorchSharp.torch;

namespace VisionZip.Tests.Support;

/// <summary>VisionZip through the tower's one reduction path, typed for the tests that read the zip record.</summary>
internal static class TowerZip
{
    /// <summary>The tower to the feature layer, then VisionZip (<see cref="VisionTower.EncodeReduced(Tensor, IVisualTokenReducer, Action{VisionStage}?)"/>).</summary>
    public static ZipResult ZipWith(this VisionTower tower, Tensor pixelValues, ZipBudget budget) =>
        (ZipResult)tower.EncodeReduced(pixelValues, new VisionZipReducer(budget));

    /// <summary>As above for a list of images encoded as one batch.</summary>
    public static ZipResult ZipWith(this VisionTower tower, IReadOnlyList<Tensor> images, ZipBudget budget) =>
        (ZipResult)tower.EncodeReduced(images, new VisionZipReducer(budget));

    /// <summary>The feature layer with exactly the statistics VisionZip reads.</summary>
    public static FeatureLayer ZipFeatures(this VisionTower tower, Tensor pixelValues) =>
        tower.EncodeFeatureLayer(pixelValues, new VisionZipReducer(new ZipBudget(2, 0)).RequiredStatistics(tower.HasCls));
}
