namespace VisionZip.Models;

/// <summary>Which parts <c>VisionLanguageModel.Load</c> loads.</summary>
public enum ModelParts
{
    /// <summary>Everything the checkpoint has.</summary>
    All,

    /// <summary>Only the vision side of a LLaVA (tower, projector, image layout): for encoding without the language model's memory.</summary>
    Vision,
}
