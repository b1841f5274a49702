using Microsoft.Extensions.AI;

namespace VisionZip.Extensions.AI;

/// <summary>One piece of a reply as the client produces it: new text, and at the end why it stopped with usage and timings.</summary>
internal sealed record GenerationPiece(string Text, ChatFinishReason? FinishReason = null, UsageDetails? Usage = null,
    AdditionalPropertiesDictionary? Timings = null);
