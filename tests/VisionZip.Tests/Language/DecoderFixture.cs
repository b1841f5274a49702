using System.Text.Json;
using VisionZip.Models.IO;
using VisionZip.Models.Language;
using VisionZip.Tests.Support;
using static TorchSharp.torch;

namespace VisionZip.Tests.Language;

/// <summary>One decoder fixture folder: the float32 model, its goldens and golden.json.</summary>
internal sealed class DecoderFixture : IDisposable
{
    public DecoderFixture(string folder)
    {
        Folder = folder;
        Model = LlamaForCausalLM.Load(Fixtures.Path(folder));
        Golden = SafetensorsFile.Open(Fixtures.Path(folder, "golden.safetensors"));
        Json = JsonDocument.Parse(File.ReadAllText(Fixtures.Path(folder, "golden.json")));
    }

    public string Folder { get; }

    public LlamaForCausalLM Model { get; }

    public SafetensorsFile Golden { get; }

    public JsonDocument Json { get; }

    public int[] KvCacheSchedule => Json.RootElement.GetProperty("kv_cache_schedule").EnumerateArray().Select(e => e.GetInt32()).ToArray();

    public Tensor Read(string name) => Golden.Read(name);

    public void Dispose()
    {
        Model.Dispose();
        Golden.Dispose();
        Json.Dispose();
    }
}
