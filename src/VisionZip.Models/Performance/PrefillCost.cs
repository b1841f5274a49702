namespace VisionZip.Models.Performance;

/// <summary>FLOPs (2 per multiply-add, matrix products only) of each stage up to the first token.</summary>
/// <param name="Encoder">Every crop through the encoder to its feature layer.</param>
/// <param name="Projector">The visual tokens kept, through the projector.</param>
/// <param name="Decoder">The prompt through every decoder layer.</param>
/// <param name="Logits"><c>lm_head</c> at the last position.</param>
public sealed record PrefillCost(double Encoder, double Projector, double Decoder, double Logits)
{
    /// <summary>Image in, first-token logits out.</summary>
    public double Total => Encoder + Projector + Decoder + Logits;
}
