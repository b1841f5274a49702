using System.Text.Json;
using TorchSharp;
using VisionZip.Models.IO;
using VisionZip.Tests.Support;
using static TorchSharp.torch;

namespace VisionZip.Tests.Core;

/// <summary>Reads the VisionZip cases of a fixture's golden.json and compares a <see cref="ZipResult"/> with goldens.</summary>
internal static class ZipGolden
{
    /// <summary>The (dominant, contextual) pairs listed under golden.json → visionzip.cases.</summary>
    internal static TheoryData<int, int> Cases(string folder)
    {
        using var document = ReadJson(folder);
        var data = new TheoryData<int, int>();
        foreach (var pair in document.RootElement.GetProperty("visionzip").GetProperty("cases").EnumerateArray())
        {
            data.Add(pair[0].GetInt32(), pair[1].GetInt32());
        }

        return data;
    }

    /// <summary>golden.json → visionzip.dominant / contextual (the LLaVA folders' single budget).</summary>
    internal static ZipBudget Budget(string folder)
    {
        using var document = ReadJson(folder);
        var zip = document.RootElement.GetProperty("visionzip");
        return new ZipBudget(zip.GetProperty("dominant").GetInt32(), zip.GetProperty("contextual").GetInt32());
    }

    /// <summary>golden.json → config_resolved.num_hidden_layers of an encoder folder.</summary>
    internal static int EncoderLayers(string folder)
    {
        using var document = ReadJson(folder);
        return document.RootElement.GetProperty("config_resolved").GetProperty("num_hidden_layers").GetInt32();
    }

    internal static SafetensorsFile Open(string folder) => SafetensorsFile.Open(Fixtures.Path(folder, "golden.safetensors"));

    /// <summary>
    /// kept, targets, assignment exact; tokens within the fixture tolerance. <paramref name="prefix"/> ends with a dot,
    /// e.g. <c>zip.54_10.</c>; <paramref name="tokensName"/> is the golden name of the output tokens.
    /// </summary>
    internal static void AssertMatches(SafetensorsFile golden, string prefix, string tokensName, ZipResult result)
    {
        using var scope = NewDisposeScope();
        TensorAssert.Equal(golden.Read(prefix + "kept"), result.KeptIndices, prefix + "kept");
        TensorAssert.Equal(golden.Read(prefix + "targets"), result.ContextualTargets, prefix + "targets");
        TensorAssert.Equal(golden.Read(prefix + "assignment"), result.Assignment, prefix + "assignment");
        TensorAssert.Close(golden.Read(tokensName), result.Tokens, tokensName);
    }

    private static JsonDocument ReadJson(string folder) =>
        JsonDocument.Parse(File.ReadAllText(Fixtures.Path(folder, "golden.json")));
}
