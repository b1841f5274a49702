namespace VisionZip.Models.Vision;

/// <summary>A stage of <see cref="VisionTower.EncodeReduced(TorchSharp.torch.Tensor, IVisualTokenReducer, Action{VisionStage}?)"/>, reported when it ends.</summary>
public enum VisionStage
{
    /// <summary>The encoder layers up to the feature layer, with the statistics the reducer reads.</summary>
    Encoder,

    /// <summary>The reducer.</summary>
    Reduction,
}
