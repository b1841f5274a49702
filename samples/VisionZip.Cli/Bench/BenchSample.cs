namespace VisionZip.Cli.Bench;

/// <summary>One timed run of one configuration: image file to first token, then greedy decode steps (milliseconds).</summary>
/// <param name="DecodeImageMs">Reading and decoding the image file.</param>
/// <param name="PreprocessMs">Resize, crop/pad, normalise (all tiles).</param>
/// <param name="EncoderMs">The vision tower to the feature layer.</param>
/// <param name="ReduceMs">The reducer (0 for vanilla).</param>
/// <param name="ProjectorMs">The projector.</param>
/// <param name="PrefillMs">Prompt embedding and the language model over the whole prompt.</param>
/// <param name="FirstTokenMs">Picking the first token from the prefill's logits.</param>
/// <param name="DecodeMsPerToken">Mean time of one greedy decode step (NaN when no step was timed).</param>
/// <param name="Crops">Images through the encoder (LLaVA-NeXT: base image and tiles).</param>
/// <param name="VisualTokens">Visual tokens the language model got.</param>
/// <param name="PromptTokens">Positions prefilled (text and visual).</param>
/// <param name="KvBytes">Bytes of the KV cache's filled positions after the prefill.</param>
/// <param name="PeakRssBytes">Peak resident memory during this run (-1 where unknown).</param>
internal sealed record BenchSample(
    double DecodeImageMs,
    double PreprocessMs,
    double EncoderMs,
    double ReduceMs,
    double ProjectorMs,
    double PrefillMs,
    double FirstTokenMs,
    double DecodeMsPerToken,
    int Crops,
    int VisualTokens,
    int PromptTokens,
    long KvBytes,
    long PeakRssBytes)
{
    /// <summary>Image file in, first token's logits out (and the token picked).</summary>
    public double TimeToFirstTokenMs => DecodeImageMs + PreprocessMs + EncoderMs + ReduceMs + ProjectorMs + PrefillMs + FirstTokenMs;
}
