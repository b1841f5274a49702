using System.Diagnostics;
using System.Globalization;
using VisionZip.Models.Vision;
using static TorchSharp.torch;

namespace VisionZip.Benchmarks;

/// <summary>
/// Op-by-op profile of one CLIP-L/336 encoder layer (577 tokens, hidden 1024, 16 heads, MLP 4096) and of the 7B
/// prefill's linears, against the matmul rate the same process measures (<c>MachineLimits</c>'s 576x4096x11008
/// product): <c>dotnet run -c Release --project benchmarks/VisionZip.Benchmarks -- encoder-measure profile [fp32|bf16] [rounds] [ops]</c>.
/// Every round runs every op once in a rotating order (so load from other processes hits all alike); the table gives
/// each op's median time, its FLOPs and its rate as a fraction of the probe's median rate. Prints Markdown.
/// </summary>
public static class EncoderProfile
{
    private const long Tokens = 577, Hidden = 1024, Heads = 16, HeadDim = 64, Intermediate = 4096;

    /// <summary>Profiles in <paramref name="dtypeName"/> over <paramref name="rounds"/> rounds and prints the table.</summary>
    public static int Run(string dtypeName, int rounds, string filter = "")
    {
        var dtype = dtypeName == "fp32" ? ScalarType.Float32 : ScalarType.BFloat16;
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        using var generator = new Generator(7);
        Tensor Random(params long[] shape) => (randn(shape, generator: generator) * 0.02).to(dtype);

        var x = Random(1, Tokens, Hidden);                                                // [1, N, D]
        var wq = Random(Hidden, Hidden);
        var bq = Random(Hidden);
        var wqkv = Random(3 * Hidden, Hidden);
        var bqkv = Random(3 * Hidden);
        var wqkvT = wqkv.t().contiguous();                                                // [D, 3D]
        var w1 = Random(Intermediate, Hidden);
        var b1 = Random(Intermediate);
        var w1T = w1.t().contiguous();
        var w2 = Random(Hidden, Intermediate);
        var b2 = Random(Hidden);
        var lnW = ones(Hidden, dtype: dtype);
        var lnB = zeros(Hidden, dtype: dtype);
        var q = Random(1, Heads, Tokens, HeadDim);
        var k = Random(1, Heads, Tokens, HeadDim);
        var v = Random(1, Heads, Tokens, HeadDim);
        var q3 = q.view(Heads, Tokens, HeadDim);
        var kT3 = k.view(Heads, Tokens, HeadDim).transpose(1, 2).contiguous();
        var q32 = q3.to(ScalarType.Float32);
        var kT32 = kT3.to(ScalarType.Float32);
        var scores32 = bmm(q32, kT32);
        var qkvFlat = Random(1, Tokens, 3 * Hidden);
        var probabilities6 = EncoderSelfAttention.Probabilities(q.narrow(1, 0, 6), k.narrow(1, 0, 6), 0.125);
        var mlpIn = Random(1, Tokens, Intermediate);
        var pixels = Random(1, 3, 336, 336);
        var patchW = Random(Hidden, 3, 14, 14);
        var patchWFlat = patchW.reshape(Hidden, -1).contiguous();                         // [D, C*P*P]
        var probeLeft = Random(576, 4096);
        var probeRight = Random(4096, 11008);                                             // [K, N] as MachineLimits
        var llmW = Random(11008, 4096);                                                   // a 7B gate/up weight [N, K]
        var llmWT = llmW.t().contiguous();                                                // [K, N]
        var llmX103 = Random(1, 103, 4096);
        var llmX615 = Random(1, 615, 4096);
        var lnW4096 = ones(4096, dtype: dtype);
        var gate103 = Random(1, 103, 11008);
        using var llm = Models.Language.LlamaForCausalLM.Load(PrefillCheckpoint.Ensure(), dtype);
        var q103 = Random(1, 32, 103, 128);
        var q615 = Random(1, 32, 615, 128);
        var mask103 = ones(103, 103, ScalarType.Bool).tril();
        var mask615 = ones(615, 615, ScalarType.Bool).tril();
        var cos103 = Random(103, 128);
        var gateUp = Random(22016, 4096);
        using var tower = VisionTower.CreateRandom(VisionConfig.ClipVitLarge336, dtype: dtype, seed: 3);
        var layer = tower.Transformer.Encoder.Layers[0];
        Runtime.NativeMemoryReuse.Enable();   // after loading, as the visionzip tool does: fresh pages cost ~3 ms per MB on this VM

        double Mm(long m, long kk, long n) => 2.0 * m * kk * n;
        var ops = new (string Name, double Flops, Func<Tensor> Run)[]
        {
            ("probe matmul 576x4096x11008 [K,N]", Mm(576, 4096, 11008), () => probeLeft.matmul(probeRight)),
            ("layer_norm [577,1024]", 0, () => nn.functional.layer_norm(x, [Hidden], lnW, lnB, 1e-5)),
            ("linear q (x3 = q,k,v separate) 577x1024x1024", Mm(Tokens, Hidden, Hidden), () => nn.functional.linear(x, wq, bq)),
            ("linear fused qkv 577x1024x3072", Mm(Tokens, Hidden, 3 * Hidden), () => nn.functional.linear(x, wqkv, bqkv)),
            ("addmm fused qkv, weight [K,N]", Mm(Tokens, Hidden, 3 * Hidden), () => addmm(bqkv, x.view(Tokens, Hidden), wqkvT, 1, 1)),
            ("split qkv view+transpose (no copy)", 0, () => qkvFlat.view(1, Tokens, 3, Heads, HeadDim).permute(2, 0, 3, 1, 4)),
            ("sdpa [1,16,577,64]", 4.0 * Heads * Tokens * Tokens * HeadDim, () => nn.functional.scaled_dot_product_attention(q, k, v)),
            ("sdpa from qkv views (strided) [1,16,577,64]", 4.0 * Heads * Tokens * Tokens * HeadDim, () =>
            {
                var parts = qkvFlat.view(1, Tokens, 3, Heads, HeadDim).permute(2, 0, 3, 1, 4);
                return nn.functional.scaled_dot_product_attention(parts[0], parts[1], parts[2]);
            }),
            ("explicit softmax(qk^T)v", 4.0 * Heads * Tokens * Tokens * HeadDim, () =>
                q.matmul(k.transpose(-1, -2)).mul_(0.125).softmax(-1).matmul(v)),
            ("attention explicit bf16, softmax fp32", 4.0 * Heads * Tokens * Tokens * HeadDim, () =>
                q.mul(0.125).matmul(k.transpose(-1, -2)).softmax(-1, ScalarType.Float32).to(dtype).matmul(v)),
            ("encoder attention, probabilities by torch", 4.0 * Heads * Tokens * Tokens * HeadDim, () =>
            {
                var parts = qkvFlat.view(1, Tokens, 3, Heads, HeadDim).permute(2, 0, 3, 1, 4);
                return EncoderSelfAttention.Compute(parts[0], parts[1], parts[2], 0.125, EncoderSelfAttention.MaxScoresPerChunk, useKernel: false);
            }),
            ("encoder attention, probabilities by the kernel", 4.0 * Heads * Tokens * Tokens * HeadDim, () =>
            {
                var parts = qkvFlat.view(1, Tokens, 3, Heads, HeadDim).permute(2, 0, 3, 1, 4);
                return EncoderSelfAttention.Compute(parts[0], parts[1], parts[2], 0.125, EncoderSelfAttention.MaxScoresPerChunk, useKernel: true);
            }),
            ("probabilities only, torch [1,6,577,577]", 2.0 * 6 * Tokens * Tokens * HeadDim, () =>
                EncoderSelfAttention.Probabilities(q.narrow(1, 0, 6), k.narrow(1, 0, 6), 0.125, useKernel: false)),
            ("probabilities only, kernel [1,6,577,577]", 2.0 * 6 * Tokens * Tokens * HeadDim, () =>
                EncoderSelfAttention.Probabilities(q.narrow(1, 0, 6), k.narrow(1, 0, 6), 0.125, useKernel: true)),
            ("probabilities times values [1,6,577,577]x[577,64]", 2.0 * 6 * Tokens * Tokens * HeadDim, () =>
                probabilities6.matmul(v.narrow(1, 0, 6))),
            ("attention sdpa in float32", 4.0 * Heads * Tokens * Tokens * HeadDim, () =>
                nn.functional.scaled_dot_product_attention(q.to(ScalarType.Float32), k.to(ScalarType.Float32), v.to(ScalarType.Float32)).to(dtype)),
            ("attention scores only q k^T", 2.0 * Heads * Tokens * Tokens * HeadDim, () => q.matmul(k.transpose(-1, -2))),
            ("attention sdpa 2 chunks of 8 heads", 4.0 * Heads * Tokens * Tokens * HeadDim, () =>
                cat([nn.functional.scaled_dot_product_attention(q.narrow(1, 0, 8), k.narrow(1, 0, 8), v.narrow(1, 0, 8)),
                     nn.functional.scaled_dot_product_attention(q.narrow(1, 8, 8), k.narrow(1, 8, 8), v.narrow(1, 8, 8))], 1)),
            ("scores fp32 bmm, k^T contiguous", 2.0 * Heads * Tokens * Tokens * HeadDim, () => bmm(q32, kT32)),
            ("scores bf16 bmm, k^T contiguous", 2.0 * Heads * Tokens * Tokens * HeadDim, () => bmm(q3, kT3)),
            ("scores fp32 per-head mm loop", 2.0 * Heads * Tokens * Tokens * HeadDim, () =>
                stack(Enumerable.Range(0, (int)Heads).Select(h => q32[h].mm(kT32[h])), 0)),
            ("softmax fp32 [16,577,577]", 0, () => scores32.softmax(-1)),
            ("merge heads transpose+reshape", 0, () => q.transpose(1, 2).reshape(1, Tokens, Hidden)),
            ("linear out_proj 577x1024x1024", Mm(Tokens, Hidden, Hidden), () => nn.functional.linear(x, wq, bq)),
            ("linear fc1 577x1024x4096", Mm(Tokens, Hidden, Intermediate), () => nn.functional.linear(x, w1, b1)),
            ("addmm fc1, weight [K,N]", Mm(Tokens, Hidden, Intermediate), () => addmm(b1, x.view(Tokens, Hidden), w1T, 1, 1)),
            ("quick_gelu x*sigmoid(1.702x)", 0, () => mlpIn * (mlpIn * 1.702).sigmoid()),
            ("quick_gelu in place", 0, () => { var s = mlpIn.mul(1.702).sigmoid_(); return s.mul_(mlpIn); }),
            ("gelu (erf) for scale", 0, () => nn.functional.gelu(mlpIn)),
            ("sigmoid alone [577,4096]", 0, () => mlpIn.sigmoid()),
            ("silu alone [577,4096]", 0, () => nn.functional.silu(mlpIn)),
            ("quick_gelu as silu(1.702x)/1.702", 0, () => nn.functional.silu(mlpIn.mul(1.702)).div_(1.702)),
            ("quick_gelu via float32", 0, () =>
            {
                var wide = mlpIn.to(ScalarType.Float32);
                return wide.mul(1.702).sigmoid_().mul_(wide).to(dtype);
            }),
            ("linear fc2 577x4096x1024", Mm(Tokens, Intermediate, Hidden), () => nn.functional.linear(mlpIn, w2, b2)),
            ("residual add", 0, () => x + x),
            ("whole layer forward", LayerFlops(), () => layer.call(x)),
            ("patch conv2d 336/14", Mm(576, 3 * 14 * 14, Hidden), () => nn.functional.conv2d(pixels, patchW, strides: [14, 14])),
            ("patch unfold + matmul", Mm(576, 3 * 14 * 14, Hidden), () =>
            {
                var patches = pixels.view(1, 3, 24, 14, 24, 14).permute(0, 2, 4, 1, 3, 5).reshape(1, 576, 3 * 14 * 14);
                return nn.functional.linear(patches, patchWFlat);
            }),
            ("LLM rmsnorm as LlamaRmsNorm [103,4096]", 0, () =>
            {
                var h = llmX103.to(ScalarType.Float32);
                var variance = h.pow(2).mean([-1], keepdim: true);
                return lnW4096 * (h * rsqrt(variance + 1e-5)).to(dtype);
            }),
            ("LLM silu(gate)*up [103,11008]", 0, () => nn.functional.silu(gate103) * gate103),
            ("LLM residual add [103,4096]", 0, () => llmX103 + llmX103),
            ("LLM sdpa 103 bool causal mask", 4.0 * 32 * 103 * 103 * 128 / 2, () => nn.functional.scaled_dot_product_attention(q103, q103, q103, mask103)),
            ("LLM sdpa 103 is_causal", 4.0 * 32 * 103 * 103 * 128 / 2, () => nn.functional.scaled_dot_product_attention(q103, q103, q103, is_casual: true)),
            ("LLM sdpa 615 bool causal mask", 4.0 * 32 * 615 * 615 * 128 / 2, () => nn.functional.scaled_dot_product_attention(q615, q615, q615, mask615)),
            ("LLM sdpa 615 is_causal", 4.0 * 32 * 615 * 615 * 128 / 2, () => nn.functional.scaled_dot_product_attention(q615, q615, q615, is_casual: true)),
            ("LLM rope apply [1,32,103,128]", 0, () => Models.Language.LlamaRotaryEmbedding.Apply(q103, cos103, cos103)),
            ("LLM linear gate+up fused 103x4096x22016", Mm(103, 4096, 22016), () => nn.functional.linear(llmX103, gateUp)),
            ("LLM prefill 2 layers 103", 0, () => llm.ForwardEmbeddings(llmX103)),
            ("LLM prefill 2 layers 615", 0, () => llm.ForwardEmbeddings(llmX615)),
            ("LLM linear 103x4096x11008", Mm(103, 4096, 11008), () => nn.functional.linear(llmX103, llmW)),
            ("LLM matmul 103x4096x11008 [K,N]", Mm(103, 4096, 11008), () => llmX103.matmul(llmWT)),
            ("LLM linear 615x4096x11008", Mm(615, 4096, 11008), () => nn.functional.linear(llmX615, llmW)),
            ("LLM matmul 615x4096x11008 [K,N]", Mm(615, 4096, 11008), () => llmX615.matmul(llmWT)),
        };

        ops = ops.Where(op => op.Name.StartsWith("probe", StringComparison.Ordinal) || filter.Split('|').Any(f => op.Name.Contains(f, StringComparison.Ordinal))).ToArray();
        var times = ops.Select(_ => new List<double>()).ToArray();
        for (int round = -1; round < rounds; round++)                                    // round -1: warm-up
        {
            for (int j = 0; j < ops.Length; j++)
            {
                int i = (Math.Max(round, 0) + j) % ops.Length;
                long start = Stopwatch.GetTimestamp();
                ops[i].Run().Dispose();
                double ms = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                if (round >= 0)
                {
                    times[i].Add(ms);
                }
            }
        }

        double probeMs = Median(times[0]);
        double probeGflops = ops[0].Flops / probeMs / 1e6;
        var inv = CultureInfo.InvariantCulture;
        Console.WriteLine(string.Create(inv, $"{dtypeName}, {rounds} rounds, threads {get_num_threads()}; probe {probeGflops:F0} GFLOP/s (median)"));
        Console.WriteLine("| op | median ms | min ms | GFLOP | GFLOP/s | of probe |");
        Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: |");
        for (int i = 0; i < ops.Length; i++)
        {
            double ms = Median(times[i]);
            string rate = ops[i].Flops > 0 ? string.Create(inv, $"{ops[i].Flops / ms / 1e6:F0} | {ops[i].Flops / ms / 1e6 / probeGflops:P0}") : " | ";
            Console.WriteLine(string.Create(inv, $"| {ops[i].Name} | {ms:F2} | {times[i].Min():F2} | {ops[i].Flops / 1e9:F2} | {rate} |"));
        }

        return 0;
    }

    // q, k, v, out projections, attention (QK^T and PV) and the MLP of one layer.
    private static double LayerFlops() =>
        2.0 * Tokens * Hidden * Hidden * 4 + 4.0 * Heads * Tokens * Tokens * HeadDim + 2.0 * Tokens * Hidden * Intermediate * 2;

    private static double Median(List<double> values)
    {
        var sorted = values.OrderBy(v => v).ToArray();
        return sorted[sorted.Length / 2];
    }
}
