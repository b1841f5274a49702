using static TorchSharp.torch;

namespace VisionZip.Models.Language;

/// <summary>One pre-norm transformer block (transformers <c>LlamaDecoderLayer</c>): attention then SwiGLU MLP, each residual.</summary>
public sealed class LlamaDecoderLayer : nn.Module
{
    private readonly LlamaAttention _selfAttn;
    private readonly LlamaMlp _mlp;
    private readonly LlamaRmsNorm _inputLayernorm;
    private readonly LlamaRmsNorm _postAttentionLayernorm;

    internal LlamaDecoderLayer(string name, LlamaAttention selfAttn, LlamaMlp mlp,
        LlamaRmsNorm inputLayernorm, LlamaRmsNorm postAttentionLayernorm) : base(name)
    {
        _selfAttn = selfAttn;
        _mlp = mlp;
        _inputLayernorm = inputLayernorm;
        _postAttentionLayernorm = postAttentionLayernorm;
        register_module("self_attn", selfAttn);
        register_module("mlp", mlp);
        register_module("input_layernorm", inputLayernorm);
        register_module("post_attention_layernorm", postAttentionLayernorm);
    }

    /// <summary>Runs the block.</summary>
    /// <param name="hiddenStates">[B, T, hidden].</param>
    /// <param name="cos">[T, head_dim].</param>
    /// <param name="sin">[T, head_dim].</param>
    /// <param name="mask">[T, S] boolean or null (see <see cref="LlamaAttention.forward"/>).</param>
    /// <param name="cache">The KV cache, or null.</param>
    /// <returns>[B, T, hidden].</returns>
    public Tensor forward(Tensor hiddenStates, Tensor cos, Tensor sin, Tensor? mask, KvCache? cache)
    {
        using var scope = NewDisposeScope();
        // Residuals are added into the blocks' new outputs (x + y == y + x bit for bit): no extra [B, T, hidden] tensors.
        var attended = _selfAttn.forward(_inputLayernorm.call(hiddenStates), cos, sin, mask, cache).add_(hiddenStates);
        return _mlp.call(_postAttentionLayernorm.call(attended)).add_(attended).MoveToOuterDisposeScope();
    }
}
