using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace VisionZip.Models.Vision;

/// <summary>
/// Multi-head self-attention of a CLIP / SigLIP encoder layer (transformers <c>CLIPAttention</c> /
/// <c>SiglipAttention</c>: identical), HF names <c>q_proj</c>, <c>k_proj</c>, <c>v_proj</c>, <c>out_proj</c>, all with bias.
/// </summary>
/// <remarks>
/// <see cref="forward"/> computes the attention through <see cref="EncoderSelfAttention"/> (the kernel per dtype and device).
/// <see cref="ForwardWithStatistics"/> additionally returns the one attention statistic VisionZip reads and the
/// head-averaged keys.
/// </remarks>
public sealed class VisionAttention : nn.Module<Tensor, Tensor>
{
    /// <summary>Largest number of attention probabilities one chunk of the mean-received statistic holds (64 MiB in float32).</summary>
    internal const long MaxProbabilitiesPerChunk = 1L << 24;

    private readonly long _heads;
    private readonly long _headDim;
    private readonly double _scale;

    // Each projection: weight [D, D], bias [D]. q/k/v's parameters are consecutive blocks of one [3D, D] weight and one
    // [3D] bias (see FuseProjections), so they keep their Hugging Face names and one product computes all three.
    [ComponentName(Name = "q_proj")]
    private readonly Linear _qProj;
    [ComponentName(Name = "k_proj")]
    private readonly Linear _kProj;
    [ComponentName(Name = "v_proj")]
    private readonly Linear _vProj;
    [ComponentName(Name = "out_proj")]
    private readonly Linear _outProj;

    private readonly long _hidden;
    private readonly bool _fused;

    internal VisionAttention(WeightScope weights, VisionConfig config) : base(nameof(VisionAttention))
    {
        _heads = config.NumAttentionHeads;
        _headDim = config.HeadDim;
        _hidden = config.HiddenSize;
        _scale = 1.0 / Math.Sqrt(config.HeadDim);
        _qProj = weights.Linear("q_proj", config.HiddenSize, config.HiddenSize);
        _kProj = weights.Linear("k_proj", config.HiddenSize, config.HiddenSize);
        _vProj = weights.Linear("v_proj", config.HiddenSize, config.HiddenSize);
        _outProj = weights.Linear("out_proj", config.HiddenSize, config.HiddenSize);
        _fused = FuseProjections([_qProj, _kProj, _vProj]);
        RegisterComponents();
    }

    /// <summary>Self-attention of <paramref name="hiddenStates"/> [B, N, D] (already layer-normed) to [B, N, D].</summary>
    public override Tensor forward(Tensor hiddenStates)
    {
        using var scope = NewDisposeScope();
        var (query, key, value) = Project(hiddenStates);                                 // [B, H, N, Dh] each
        var context = EncoderSelfAttention.Compute(query, key, value, _scale);          // [B, H, N, Dh]
        return Merge(context, hiddenStates).MoveToOuterDisposeScope();                  // [B, N, D]
    }

    /// <summary>
    /// Self-attention as <see cref="forward"/>, plus the statistics of this layer that a reducer asked for, in float32:
    /// the attention statistic [B, H, N] (<see cref="FeatureStatistics.ClsAttention"/>: the CLS query's row of the
    /// attention probabilities, computed for that one query only; <see cref="FeatureStatistics.MeanReceivedAttention"/>:
    /// the attention each token receives, averaged over all queries, computed in chunks of queries so at most
    /// <see cref="MaxProbabilitiesPerChunk"/> probabilities exist at once) and the keys averaged over heads [B, N, Dh]
    /// (<c>k_proj</c> output incl. bias, before scaling). A statistic not asked for is null and costs nothing.
    /// </summary>
    internal (Tensor Output, Tensor? Attention, Tensor? Metric) ForwardWithStatistics(Tensor hiddenStates, FeatureStatistics statistics)
    {
        using var scope = NewDisposeScope();
        var (query, key, value) = Project(hiddenStates);                                 // [B, H, N, Dh] each
        var context = EncoderSelfAttention.Compute(query, key, value, _scale);
        var output = Merge(context, hiddenStates);                                      // [B, N, D]

        Tensor? metric = null;
        Tensor? attention = null;
        bool cls = statistics.HasFlag(FeatureStatistics.ClsAttention);
        if (statistics.HasFlag(FeatureStatistics.KeyMetric) || cls || statistics.HasFlag(FeatureStatistics.MeanReceivedAttention))
        {
            var keys = key.to(ScalarType.Float32);
            if (statistics.HasFlag(FeatureStatistics.KeyMetric))
            {
                metric = keys.mean([1]).MoveToOuterDisposeScope();                     // [B, N, Dh]
            }

            if (cls || statistics.HasFlag(FeatureStatistics.MeanReceivedAttention))
            {
                var queries = query.to(ScalarType.Float32);
                attention = (cls ? ClsRow(queries, keys) : MeanReceived(queries, keys)).MoveToOuterDisposeScope(); // [B, H, N]
            }
        }

        return (output.MoveToOuterDisposeScope(), attention, metric);
    }

    // softmax(q_cls k^T * scale) for query 0 only: [B, H, 1, Dh] x [B, H, Dh, N] -> [B, H, N].
    private Tensor ClsRow(Tensor queries, Tensor keys)
    {
        using var scope = NewDisposeScope();
        var logits = queries.narrow(2, 0, 1).matmul(keys.transpose(-1, -2)).mul_(_scale); // [B, H, 1, N]
        return logits.softmax(-1).squeeze(2).MoveToOuterDisposeScope();
    }

    // mean over queries i of softmax(q_i k^T * scale), accumulated over chunks of queries: [B, H, N].
    private Tensor MeanReceived(Tensor queries, Tensor keys)
    {
        using var scope = NewDisposeScope();
        long batch = queries.shape[0], tokens = queries.shape[2];
        long chunk = Math.Max(1, MaxProbabilitiesPerChunk / (batch * _heads * tokens));
        var keysT = keys.transpose(-1, -2);                                             // [B, H, Dh, N]
        var received = zeros(batch, _heads, tokens, ScalarType.Float32, queries.device);
        for (long start = 0; start < tokens; start += chunk)
        {
            using var step = NewDisposeScope();
            long count = Math.Min(chunk, tokens - start);
            var logits = queries.narrow(2, start, count).matmul(keysT).mul_(_scale);    // [B, H, count, N]
            received.add_(logits.softmax(-1).sum(2));
        }

        return received.div_(tokens).MoveToOuterDisposeScope();
    }

    // Moves the projections' weights [D, D] and biases [D] into one [3D, D] weight and one [3D] bias and points each
    // projection's parameters at its rows (views: no memory of their own; the storage lives as long as they do, so
    // disposing the module frees it). One [N, D] x [D, 3D] product is faster than three [N, D] x [D, D] ones on the CPU.
    // Weights that failed to load are placeholders on the meta device (the load throws once the model is built); they
    // are left apart. Returns whether the projections were fused.
    private static bool FuseProjections(Linear[] projections)
    {
        var all = projections.SelectMany(p => new[] { (Tensor)p.weight!, p.bias! }).ToArray();
        if (all.Any(t => t.device_type != all[0].device_type || t.device_index != all[0].device_index || t.dtype != all[0].dtype))
        {
            return false;
        }

        using var fusedWeight = cat(projections.Select(p => (Tensor)p.weight!).ToArray(), 0);    // [3D, D]
        using var fusedBias = cat(projections.Select(p => (Tensor)p.bias!).ToArray(), 0);        // [3D]
        long start = 0;
        foreach (var projection in projections)
        {
            long rows = projection.weight!.shape[0];
            var (oldWeight, oldBias) = (projection.weight, projection.bias!);
            projection.weight = new Parameter(fusedWeight.narrow(0, start, rows), requires_grad: false);
            projection.bias = new Parameter(fusedBias.narrow(0, start, rows), requires_grad: false);
            projection.weight.DetachFromDisposeScope();
            projection.bias.DetachFromDisposeScope();
            oldWeight.Dispose();
            oldBias.Dispose();
            start += rows;
        }

        return true;
    }

    // One fused product, split into heads without copying: [B, N, 3D] -> 3 x [B, H, N, Dh] (strided views).
    private (Tensor Query, Tensor Key, Tensor Value) Project(Tensor hiddenStates)
    {
        long batch = hiddenStates.shape[0], tokens = hiddenStates.shape[1];
        var projected = nn.functional.linear(hiddenStates, FusedWeight(), FusedBias()); // [B, N, 3D]
        var heads = projected.view(batch, tokens, 3, _heads, _headDim).permute(2, 0, 3, 1, 4); // [3, B, H, N, Dh]
        return (heads[0], heads[1], heads[2]);
    }

    // The [3D, D] weight that q_proj.weight (storage offset 0), k_proj.weight and v_proj.weight are blocks of.
    private Tensor FusedWeight() => _fused
        ? _qProj.weight!.as_strided([3 * _hidden, _hidden], [_hidden, 1], 0)
        : cat([_qProj.weight!, _kProj.weight!, _vProj.weight!], 0);

    private Tensor FusedBias() => _fused
        ? _qProj.bias!.as_strided([3 * _hidden], [1], 0)
        : cat([_qProj.bias!, _kProj.bias!, _vProj.bias!], 0);

    private Tensor Merge(Tensor context, Tensor hiddenStates) =>
        _outProj.call(context.transpose(1, 2).reshape(hiddenStates.shape));             // [B, N, D]
}
