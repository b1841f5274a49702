using VisionZip.Models.Generation;

namespace VisionZip.Models.Llava;

/// <summary>One question and answer of a <see cref="ChatSession"/>, with what it cost.</summary>
/// <param name="Question">The user's question.</param>
/// <param name="Answer">The generated reply (special tokens left out).</param>
/// <param name="AnswerIds">The generated token ids, the stop token included when one was generated.</param>
/// <param name="FinishReason">Why generation stopped.</param>
/// <param name="PrefillTokens">Positions this turn prefilled: only its own new tokens (and the visual tokens of its new images).</param>
/// <param name="CachedBefore">Positions the KV cache already held when the turn started.</param>
/// <param name="PrefillTime">Wall time of the prefill (embedding and prompt forward).</param>
/// <param name="DecodeTime">Wall time of the token-by-token decoding after the prefill.</param>
/// <param name="PrefillLogits">float32 logits of the last prefilled position (what chose the first answer token), when
/// <see cref="GenerationOptions.ReturnLogits"/> was set; otherwise null.</param>
/// <param name="NewImages">Encoding stats of the images attached to this turn (each image is encoded once).</param>
public sealed record ChatTurn(
    string Question,
    string Answer,
    IReadOnlyList<int> AnswerIds,
    FinishReason FinishReason,
    int PrefillTokens,
    int CachedBefore,
    TimeSpan PrefillTime,
    TimeSpan DecodeTime,
    float[]? PrefillLogits,
    IReadOnlyList<ImageEncodingStats> NewImages);
