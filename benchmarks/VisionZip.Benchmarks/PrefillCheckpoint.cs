using System.Globalization;
using System.Text.Json;
using VisionZip.Models.IO;
using VisionZip.Models.Language;
using static TorchSharp.torch;

namespace VisionZip.Benchmarks;

/// <summary>
/// A random-weight LLaMA checkpoint with LLaVA-1.5-7B's language-model width (Vicuna-7B: hidden 4096, 32 heads,
/// MLP 11008, vocab 32064) but only <see cref="Layers"/> decoder layers, written to a temporary directory with the
/// real writer so the benchmarks load it through the real loader (<see cref="LlamaForCausalLM.Load(string, ScalarType, Device?)"/>).
/// </summary>
/// <remarks>
/// Weights are stored as bfloat16 (1.3 GB for two layers) and converted by the loader to the dtype under test.
/// BenchmarkDotNet runs every case in its own process, so the directory is written once, reused by later processes
/// (a marker file is written last) and deleted by <see cref="PrefillCleanup"/> when the whole BenchmarkDotNet run ends.
/// </remarks>
public static class PrefillCheckpoint
{
    /// <summary>Decoder layers kept (Vicuna-7B has 32; per-layer cost scales linearly).</summary>
    public const int Layers = 2;

    /// <summary><c>hidden_size</c> (d in the FLOP model).</summary>
    public const int HiddenSize = 4096;

    /// <summary><c>intermediate_size</c> (m in the FLOP model).</summary>
    public const int IntermediateSize = 11008;

    /// <summary><c>num_attention_heads</c> (= <c>num_key_value_heads</c>: no grouped-query attention in Vicuna-7B).</summary>
    public const int Heads = 32;

    /// <summary><c>vocab_size</c> of llava-hf/llava-1.5-7b-hf's text config.</summary>
    public const int VocabSize = 32064;

    private const int Seed = 20250601;
    private const double WeightStd = 0.02; // transformers' initializer_range: keeps activations normal (no denormals)
    private const string Marker = "complete";

    /// <summary>The directory used by every process of one run.</summary>
    public static string Directory { get; } = Path.Combine(Path.GetTempPath(),
        string.Create(CultureInfo.InvariantCulture, $"visionzip-prefill-bench-h{HiddenSize}-m{IntermediateSize}-l{Layers}-v{VocabSize}-s{Seed}"));

    /// <summary>Writes the checkpoint unless a complete one is already there; returns its directory.</summary>
    public static string Ensure()
    {
        if (File.Exists(Path.Combine(Directory, Marker)))
        {
            return Directory;
        }

        Delete();
        string staging = Directory + "." + Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + ".tmp";
        System.IO.Directory.CreateDirectory(staging);
        try
        {
            File.WriteAllText(Path.Combine(staging, "config.json"), ConfigJson());
            WriteWeights(Path.Combine(staging, "model.safetensors"));
            File.WriteAllText(Path.Combine(staging, Marker), "");
            System.IO.Directory.Move(staging, Directory);
        }
        catch
        {
            System.IO.Directory.Delete(staging, recursive: true);
            throw;
        }

        return Directory;
    }

    /// <summary>Removes the checkpoint directory if present.</summary>
    public static void Delete()
    {
        if (System.IO.Directory.Exists(Directory))
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
    }

    /// <summary>A Vicuna-7B / llava-1.5-7b text config cut to <see cref="Layers"/> layers (written without reflection).</summary>
    private static string ConfigJson()
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteStartArray("architectures");
            json.WriteStringValue("LlamaForCausalLM");
            json.WriteEndArray();
            json.WriteString("model_type", "llama");
            json.WriteNumber("hidden_size", HiddenSize);
            json.WriteNumber("intermediate_size", IntermediateSize);
            json.WriteNumber("num_hidden_layers", Layers);
            json.WriteNumber("num_attention_heads", Heads);
            json.WriteNumber("num_key_value_heads", Heads);
            json.WriteNumber("vocab_size", VocabSize);
            json.WriteNumber("max_position_embeddings", 4096);
            json.WriteNumber("rms_norm_eps", 1e-5);
            json.WriteNumber("rope_theta", 10000.0);
            json.WriteBoolean("tie_word_embeddings", false);
            json.WriteString("torch_dtype", "bfloat16");
            json.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void WriteWeights(string path)
    {
        var probe = DecoderConfig.Parse(ConfigJson(), "prefill benchmark config");
        var generator = new Generator(Seed);
        var tensors = new List<KeyValuePair<string, Tensor>>();
        try
        {
            foreach (var (name, shape) in LlamaForCausalLM.ExpectedWeights(probe))
            {
                using var scope = NewDisposeScope();
                var tensor = name.EndsWith("norm.weight", StringComparison.Ordinal)
                    ? ones(shape, ScalarType.BFloat16)
                    : randn(shape, ScalarType.Float32, generator: generator).mul_(WeightStd).to(ScalarType.BFloat16);
                tensors.Add(new(name, tensor.DetachFromDisposeScope())); // the float32 draw dies with the scope
            }

            SafetensorsWriter.Write(path, tensors, new Dictionary<string, string> { ["format"] = "pt" });
        }
        finally
        {
            tensors.ForEach(pair => pair.Value.Dispose());
            generator.Dispose();
        }
    }
}
