namespace VisionZip.Models.Performance;

/// <summary>LLaVA's <c>mlp2x_gelu</c> multimodal projector: vision width to text width, then text to text.</summary>
/// <param name="VisionHidden">Encoder width.</param>
/// <param name="TextHidden">Decoder width.</param>
public sealed record ProjectorGeometry(int VisionHidden, int TextHidden)
{
    /// <summary>FLOPs per visual token: <c>2 (Dv Dt + Dt Dt)</c>.</summary>
    public double FlopsPerToken => 2.0 * ((double)VisionHidden * TextHidden + (double)TextHidden * TextHidden);
}
