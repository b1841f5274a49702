using System.Text.Json;
using System.Text.Json.Nodes;
using VisionZip.Models.IO;
using static TorchSharp.torch;

namespace VisionZip.Tests.Generality;

/// <summary>How a <see cref="CheckpointVariant"/> differs from its source checkpoint.</summary>
/// <param name="Spelling">Tensor names of a llava-hf checkpoint (<see cref="LlavaSpelling.AsIs"/> for any other).</param>
/// <param name="Shards">0 = as the source; 1 = one <c>model.safetensors</c> without index; n &gt; 1 = n shards and an index.</param>
/// <param name="StorageType">Store every floating-point tensor in this dtype; null = as the source.</param>
/// <param name="RoundThrough">Round every floating-point tensor through this dtype first (e.g. BFloat16, then stored as F32).</param>
/// <param name="WriteIndex">With several shards, write <c>model.safetensors.index.json</c> (false: numbered shards only).</param>
internal sealed record VariantOptions(
    LlavaSpelling Spelling = LlavaSpelling.AsIs,
    int Shards = 0,
    ScalarType? StorageType = null,
    ScalarType? RoundThrough = null,
    bool WriteIndex = true)
{
    public override string ToString() =>
        $"{Spelling}, shards {(Shards == 0 ? "as source" : Shards)}{(WriteIndex ? "" : " without index")}, stored {StorageType?.ToString() ?? "as source"}" +
        (RoundThrough is { } r ? $", rounded through {r}" : "");
}

/// <summary>
/// Writes a copy of a Hugging Face checkpoint directory that users could have on disk instead of ours: the other llava-hf
/// tensor spelling, another shard count, another storage dtype. The non-weight files are copied (goldens excepted);
/// <c>torch_dtype</c> in <c>config.json</c> follows a changed storage dtype, as the hub's exports do.
/// </summary>
internal static class CheckpointVariant
{
    private static readonly IReadOnlyDictionary<string, string> FormatMetadata = new Dictionary<string, string> { ["format"] = "pt" };

    /// <summary>Writes the variant of <paramref name="source"/> into <paramref name="target"/> (created) and returns it.</summary>
    public static string Write(string source, string target, VariantOptions options)
    {
        Directory.CreateDirectory(target);
        CopyOtherFiles(source, target, options.StorageType);
        using var checkpoint = SafetensorsCheckpoint.Open(source);
        int shards = options.Shards > 0 ? options.Shards : checkpoint.Files.Count;

        // Round robin over the sorted names, so every shard holds pieces of every part (tower, projector, decoder).
        var names = checkpoint.Names.Order(StringComparer.Ordinal).ToList();
        var renamed = names.ToDictionary(n => n, n => LlavaTensorSpelling.Respell(n, options.Spelling), StringComparer.Ordinal);
        var weightMap = new SortedDictionary<string, string>(StringComparer.Ordinal);
        long totalSize = 0;
        for (int shard = 0; shard < shards; shard++)
        {
            string file = shards == 1 ? SafetensorsCheckpoint.SingleFileName : $"model-{shard + 1:D5}-of-{shards:D5}.safetensors";
            using var scope = NewDisposeScope();
            var tensors = new List<KeyValuePair<string, Tensor>>();
            for (int i = shard; i < names.Count; i += shards)
            {
                var tensor = Convert(checkpoint.Read(names[i]), options);
                tensors.Add(new(renamed[names[i]], tensor));
                weightMap[renamed[names[i]]] = file;
                totalSize += tensor.numel() * tensor.ElementSize;
            }

            SafetensorsWriter.Write(Path.Combine(target, file), tensors, FormatMetadata);
        }

        if (shards > 1 && options.WriteIndex)
        {
            var index = new JsonObject
            {
                ["metadata"] = new JsonObject { ["total_size"] = totalSize },
                ["weight_map"] = new JsonObject(weightMap.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)JsonValue.Create(p.Value)))),
            };
            File.WriteAllText(Path.Combine(target, SafetensorsCheckpoint.IndexFileName), index.ToJsonString(Indented));
        }

        return target;
    }

    /// <summary>The stored dtype of every weight of a checkpoint directory (distinct, sorted).</summary>
    public static string[] StoredTypes(string directory)
    {
        using var checkpoint = SafetensorsCheckpoint.Open(directory);
        return checkpoint.Names.Select(n => checkpoint.Info(n)!.DType).Distinct().Order(StringComparer.Ordinal).ToArray();
    }

    /// <summary>True when some floating-point weight (matched by position in sorted name order) differs in value.</summary>
    public static bool AnyWeightDiffers(string first, string second)
    {
        using var left = SafetensorsCheckpoint.Open(first);
        using var right = SafetensorsCheckpoint.Open(second);
        var leftNames = left.Names.Order(StringComparer.Ordinal).ToList();
        var rightNames = right.Names.Order(StringComparer.Ordinal).ToList();
        Assert.Equal(leftNames.Count, rightNames.Count);
        for (int i = 0; i < leftNames.Count; i++)
        {
            using var scope = NewDisposeScope();
            var a = left.Read(leftNames[i]);
            var b = right.Read(rightNames[i]);
            if (a.is_floating_point() && !a.to(ScalarType.Float64).eq(b.to(ScalarType.Float64)).all().item<bool>())
            {
                return true;
            }
        }

        return false;
    }

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    private static Tensor Convert(Tensor tensor, VariantOptions options)
    {
        if (!tensor.is_floating_point())
        {
            return tensor;
        }

        var stored = tensor.dtype;
        if (options.RoundThrough is { } rounding)
        {
            tensor = tensor.to(rounding).to(stored);
        }

        return options.StorageType is { } target ? tensor.to(target) : tensor;
    }

    private static void CopyOtherFiles(string source, string target, ScalarType? storageType)
    {
        foreach (string path in Directory.EnumerateFiles(source))
        {
            string name = Path.GetFileName(path);
            if (name.EndsWith(".safetensors", StringComparison.Ordinal) || name == SafetensorsCheckpoint.IndexFileName
                || name.StartsWith("golden.", StringComparison.Ordinal))
            {
                continue;
            }

            string destination = Path.Combine(target, name);
            if (name == "config.json" && storageType is { } dtype)
            {
                File.WriteAllText(destination, WithTorchDtype(File.ReadAllText(path), dtype));
            }
            else
            {
                File.Copy(path, destination);
            }
        }
    }

    // config.json with torch_dtype (top level, and text_config's when it has one) set to the new storage dtype.
    private static string WithTorchDtype(string json, ScalarType dtype)
    {
        string name = dtype switch
        {
            ScalarType.Float32 => "float32",
            ScalarType.Float16 => "float16",
            ScalarType.BFloat16 => "bfloat16",
            _ => throw new ArgumentException($"no torch_dtype name for {dtype}", nameof(dtype)),
        };
        var root = JsonNode.Parse(json)!.AsObject();
        root["torch_dtype"] = name;
        foreach (string nested in new[] { "text_config", "vision_config" })
        {
            if (root[nested] is JsonObject section && section.ContainsKey("torch_dtype"))
            {
                section["torch_dtype"] = name;
            }
        }

        return root.ToJsonString(Indented);
    }
}
