using VisionZip.Models;
using VisionZip.Models.IO;
using VisionZip.Models.Llava;
using VisionZip.Tests.Support;

namespace VisionZip.Tests.Llava;

/// <summary>A tiny llava-hf checkpoint loaded once per test class, with its goldens.</summary>
public abstract class LlavaCheckpointFixture : IDisposable
{
    protected LlavaCheckpointFixture(string folder)
    {
        Folder = folder;
        Pipeline = VisionLanguageModel.Load(Fixtures.Path(folder));
        Golden = SafetensorsFile.Open(Fixtures.Path(folder, "golden.safetensors"));
    }

    public string Folder { get; }

    public VisionLanguageModel Pipeline { get; }

    public SafetensorsFile Golden { get; }

    /// <summary>The photo every golden of these folders was made from.</summary>
    public static string Photo => Fixtures.Path("images", "coffee.png");

    public void Dispose()
    {
        Golden.Dispose();
        Pipeline.Dispose();
        GC.SuppressFinalize(this);
    }
}

public sealed class Llava15Fixture() : LlavaCheckpointFixture("llava-1.5-tiny-hf");

public sealed class LlavaInterleaveFixture() : LlavaCheckpointFixture("llava-interleave-qwen-tiny-hf");
