namespace VisionZip;

/// <summary>
/// What a reducer reads from the encoder's feature layer besides its output hidden states. The encoder computes only
/// the statistics a reducer asks for (see <see cref="IVisualTokenReducer.RequiredStatistics"/>), so a reducer that needs
/// none (e.g. spatial pooling) costs no attention statistics at all.
/// </summary>
[Flags]
public enum FeatureStatistics
{
    /// <summary>Only the hidden states.</summary>
    None = 0,

    /// <summary>
    /// [B, H, N] float32: the CLS query's attention probabilities over all N keys (encoders with CLS, e.g. CLIP).
    /// Computed for that one query only; no [B, H, N, N] map.
    /// </summary>
    ClsAttention = 1,

    /// <summary>
    /// [B, H, N] float32: the attention each token receives, averaged over all queries (encoders without CLS, e.g.
    /// SigLIP). Computed in chunks of queries.
    /// </summary>
    MeanReceivedAttention = 2,

    /// <summary>[B, N, Dh] float32: the layer's keys (<c>k_proj</c> output, before scaling) averaged over heads.</summary>
    KeyMetric = 4,
}
