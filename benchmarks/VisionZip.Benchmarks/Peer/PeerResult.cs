using VisionZip.Models.Performance;

namespace VisionZip.Benchmarks.Peer;

/// <summary>Everything one <c>peer</c> run measured.</summary>
/// <param name="Description">The checkpoint (synthetic name and layers, or directory).</param>
/// <param name="Options">The options it ran with.</param>
/// <param name="Decoder">The measured decoder's geometry.</param>
/// <param name="FullDepth">The full model's decoder when only some layers were measured (for the scaled estimate); null otherwise.</param>
/// <param name="Bandwidths">Read bandwidth per timed round, GB/s.</param>
/// <param name="LoadBefore">/proc/loadavg before the run.</param>
/// <param name="LoadAfter">/proc/loadavg after the run.</param>
/// <param name="Rows">The rows, in table order.</param>
/// <param name="LlamaSystemInfo">llama.cpp's system info line (its CPU build's features), empty without a LLamaSharp row.</param>
public sealed record PeerResult(string Description, PeerOptions Options, DecoderGeometry Decoder, DecoderGeometry? FullDepth,
    IReadOnlyList<double> Bandwidths, string LoadBefore, string LoadAfter, IReadOnlyList<PeerRow> Rows, string LlamaSystemInfo)
{
    /// <summary>Our vanilla encoder time (bf16 if measured, else int8): the labelled estimate added to LLamaSharp's rows.</summary>
    public double? OurVanillaEncoderMs => Rows.Where(r => r.Format.IsOurs() && r.Configuration == "vanilla")
        .Select(r => (double?)r.Median(s => s.EncoderMs)).FirstOrDefault();

    /// <summary>Factor from the measured prefill to the full model's (FLOP model: layers plus the last position's logits).</summary>
    public double PrefillScale(int promptTokens) => FullDepth is not { } full ? 1 :
        (full.Layers * full.LayerFlops(promptTokens) + full.LogitsFlops) / (Decoder.Layers * Decoder.LayerFlops(promptTokens) + Decoder.LogitsFlops);

    /// <summary>Factor from the measured decode step to the full model's (bytes per step).</summary>
    public double DecodeScale(PeerFormat format, int contextTokens)
    {
        if (FullDepth is not { } full)
        {
            return 1;
        }

        int weightBytes = format is PeerFormat.OursBf16 or PeerFormat.LlamaBf16 ? 2 : 1;
        return full.DecodeBytesPerToken(contextTokens, weightBytes, 2) / Decoder.DecodeBytesPerToken(contextTokens, weightBytes, 2);
    }

    /// <summary>The row's 128-token answer scaled to full depth (encoder unchanged), median inputs.</summary>
    public double ScaledAnswerMs(PeerRow row)
    {
        int prompt = row.Samples[0].PromptTokens;
        int decodeTokens = Options.DecodeTokens;
        return row.Median(s => s.EncoderMs) + row.Median(s => s.PrefillMs) * PrefillScale(prompt)
            + row.Median(s => s.DecodeMsPerToken) * DecodeScale(row.Format, prompt + decodeTokens / 2) * decodeTokens;
    }
}
