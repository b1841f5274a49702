using TorchSharp;
using static TorchSharp.torch;

namespace VisionZip;

/// <summary>
/// Row gathers for batched token tensors. <c>values.gather(1, index.expand(B, K, F))</c> reads one index per element
/// and is an order of magnitude slower than copying whole rows, so rows are taken from the flattened [B * N, F] view
/// with <c>index_select</c> (one memcpy per row). Callers own the dispose scope.
/// </summary>
internal static class TensorRows
{
    /// <summary>
    /// Per-batch-row indices 0..<paramref name="rowsPerBatch"/>-1, [B, K], turned into row numbers of a flattened
    /// [B * rowsPerBatch, F] view, [B * K].
    /// </summary>
    internal static Tensor FlatIndex(Tensor positions, long rowsPerBatch)
    {
        long batch = positions.shape[0];
        if (batch == 1)
        {
            return positions.reshape(-1);
        }

        var rowStart = torch.arange(batch, dtype: ScalarType.Int64, device: positions.device).mul_(rowsPerBatch).unsqueeze(1); // [B, 1]
        return (positions + rowStart).reshape(-1);
    }

    /// <summary>values[b, positions[b, k], :] for every b, k: [B, N, F] and [B, K] int64 -> [B, K, F].</summary>
    internal static Tensor Take(Tensor values, Tensor positions)
    {
        var (batch, seqLen, features) = (values.shape[0], values.shape[1], values.shape[2]);
        long count = positions.shape[1];
        return values.reshape(batch * seqLen, features)
            .index_select(0, FlatIndex(positions, seqLen))
            .view(batch, count, features);
    }
}
