namespace VisionZip.Benchmarks.Peer;

/// <summary>
/// One timed answer (milliseconds): an image (ours) or a prompt of token ids (LLamaSharp) in, the first token, then
/// <c>DecodeTokens</c> greedy steps with end-of-sequence ignored.
/// </summary>
/// <param name="VisualTokens">Visual tokens in the prompt (LLamaSharp: the 576 a vanilla LLaVA-1.5 prompt holds, as ids).</param>
/// <param name="PromptTokens">Positions prefilled.</param>
/// <param name="EncoderMs">Image file to projected tokens (decode, preprocess, tower, reduction, projector); 0 for LLamaSharp, which has no encoder here.</param>
/// <param name="PrefillMs">The prompt through the language model, first token picked.</param>
/// <param name="DecodeMsPerToken">Mean of the greedy steps.</param>
/// <param name="ShortPrefillMs">LLamaSharp only: a separate prefill of the VisionZip-length prompt (NaN for ours).</param>
public sealed record PeerSample(int VisualTokens, int PromptTokens, double EncoderMs, double PrefillMs, double DecodeMsPerToken, double ShortPrefillMs)
{
    /// <summary>Image (or prompt) in, first token out.</summary>
    public double TimeToFirstTokenMs => EncoderMs + PrefillMs;

    /// <summary>First token plus <paramref name="decodeTokens"/> steps.</summary>
    public double AnswerMs(int decodeTokens) => TimeToFirstTokenMs + DecodeMsPerToken * decodeTokens;
}
