using VisionZip.Benchmarks.Peer;
using VisionZip.Models.IO;
using VisionZip.Models.Language;
using VisionZip.Tests.Support;
using static TorchSharp.torch;

namespace VisionZip.Tests.Peer;

/// <summary>
/// The peer benchmark compares like with like only if the GGUF file computes the same model: the llama-tiny fixture
/// (llama3 rope scaling, grouped-query attention) converted to an F32 GGUF and run by LLamaSharp gives the fixture's
/// greedy tokens exactly and logits close to its goldens and to our decoder's. A wrong q/k row order, head count,
/// norm epsilon or rope setting moves the logits far past the bound.
/// </summary>
public sealed class LlamaSharpParityTests : IDisposable
{
    // With a float32 KV cache and flash attention off (its CPU kernel rounds through float16), llama.cpp's float32
    // kernels agree with the goldens to float32 rounding (measured max|diff| about 7e-6 on logits of magnitude 7.6), so
    // the fixtures' own rule applies: max|diff| <= 1e-4 * max|golden| + 1e-6.
    private const double Relative = 1e-4;
    private const string Folder = "llama-tiny";

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "visionzip-peer-" + Guid.NewGuid().ToString("N"));
    private readonly string _gguf;

    public LlamaSharpParityTests()
    {
        Directory.CreateDirectory(_directory);
        _gguf = Path.Combine(_directory, "llama-tiny-f32.gguf");
        LlamaGgufConverter.Convert(Fixtures.Path(Folder), _gguf, GgmlType.F32);
    }

    [Fact]
    public void LlamaSharpRunsTheConvertedFixtureAsTheGoldensSay()
    {
        using var golden = SafetensorsFile.Open(Fixtures.Path(Folder, "golden.safetensors"));
        using var inputIds = golden.Read("input_ids");               // [2, 10]
        using var goldenLogits = golden.Read("logits");              // [2, 10, V]
        using var greedyTokens = golden.Read("greedy_tokens");       // [2, 8]
        using var greedyLogits = golden.Read("greedy_logits");       // [2, 8, V]
        using var ours = LlamaForCausalLM.Load(Fixtures.Path(Folder));
        using var peer = new LlamaSharpModel(_gguf, contextSize: 32, threads: 2, float32Cache: true);
        int vocabulary = (int)goldenLogits.shape[2];
        Assert.Equal(vocabulary, peer.VocabularySize);

        for (int b = 0; b < inputIds.shape[0]; b++)
        {
            using var scope = NewDisposeScope();
            int[] prompt = [.. inputIds[b].data<long>().Select(id => (int)id)];
            using var sequence = peer.Start();
            var promptLogits = tensor(sequence.Prefill(prompt, allLogits: true)).view(prompt.Length, vocabulary);
            TensorAssert.Close(goldenLogits[b], promptLogits, $"LLamaSharp prompt logits, row {b}", Relative);
            using (no_grad())
            {
                var oursLogits = ours.Forward(inputIds[b].unsqueeze(0), logits: LogitsSelection.AllPositions)[0];   // [10, V]
                TensorAssert.Close(oursLogits, promptLogits, $"LLamaSharp against our decoder, row {b}", Relative);
            }

            var steps = (int)greedyTokens.shape[1];
            var tokens = new long[steps];
            var stepLogits = new float[steps][];
            stepLogits[0] = promptLogits[-1].data<float>().ToArray();
            for (int k = 0; k < steps; k++)
            {
                tokens[k] = LlamaSharpSequence.ArgMax(stepLogits[k]);
                if (k + 1 < steps)
                {
                    stepLogits[k + 1] = sequence.StepLogits((int)tokens[k]);
                }
            }

            TensorAssert.Equal(greedyTokens[b], tensor(tokens), $"LLamaSharp greedy tokens, row {b}");
            TensorAssert.Close(greedyLogits[b], tensor(stepLogits.SelectMany(l => l).ToArray()).view(steps, vocabulary),
                $"LLamaSharp greedy logits (KV cache), row {b}", Relative);
        }
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
