using System.Text.Json.Nodes;
using VisionZip.Tests.Generality;
using VisionZip.Tests.Support;

namespace VisionZip.Tests.Llava;

/// <summary>A copy of the tiny LLaVA-1.5 with its text context cut to a few hundred positions, for full-context tests.</summary>
internal static class SmallContextCheckpoint
{
    public static string Create(ScratchDirectory scratch, int context)
    {
        string source = Fixtures.Path("llava-1.5-tiny-hf");
        string copy = scratch.Sub($"llava-context-{context}");
        Directory.CreateDirectory(copy);
        foreach (string file in Directory.GetFiles(source))
        {
            File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
        }

        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(copy, "config.json")))!.AsObject();
        config["text_config"]!["max_position_embeddings"] = context;
        File.WriteAllText(Path.Combine(copy, "config.json"), config.ToJsonString());
        return copy;
    }
}
