using System.Text.Json.Nodes;
using VisionZip.Models.IO;
using static TorchSharp.torch;

namespace VisionZip.Tests.Reliability;

/// <summary>
/// A copy of a fixture checkpoint with one thing broken: its weights rewritten through a function (null drops a
/// tensor), or one of its JSON files edited. Lives in a temporary directory deleted on dispose.
/// </summary>
internal sealed class BrokenCheckpoint : IDisposable
{
    public BrokenCheckpoint(string fixture, Func<string, Tensor, Tensor?>? weights = null, string? jsonFile = null, Action<JsonObject>? edit = null)
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "visionzip-broken-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
        foreach (string file in Directory.GetFiles(fixture))
        {
            string name = System.IO.Path.GetFileName(file);
            if (weights is not null && name.EndsWith(".safetensors", StringComparison.Ordinal) && !name.StartsWith("golden", StringComparison.Ordinal))
            {
                RewriteWeights(file, File(name), weights);
            }
            else
            {
                System.IO.File.Copy(file, File(name));
            }
        }

        if (jsonFile is not null && edit is not null)
        {
            var root = JsonNode.Parse(System.IO.File.ReadAllText(File(jsonFile)))!.AsObject();
            edit(root);
            System.IO.File.WriteAllText(File(jsonFile), root.ToJsonString());
        }
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static void RewriteWeights(string source, string target, Func<string, Tensor, Tensor?> weights)
    {
        using var scope = NewDisposeScope();
        var kept = new List<KeyValuePair<string, Tensor>>();
        using (var file = SafetensorsFile.Open(source))
        {
            foreach (string name in file.Tensors.Keys)
            {
                if (weights(name, file.Read(name)) is { } tensor)
                {
                    kept.Add(new(name, tensor));
                }
            }
        }

        SafetensorsWriter.Write(target, kept);
    }
}
