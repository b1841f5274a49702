using System.Text.Json.Nodes;

namespace VisionZip.Benchmarks;

/// <summary>
/// A temporary directory that presents a tokenizer-less (synthetic) LLaVA checkpoint with another checkpoint's
/// tokenizer: weights and preprocessor files are symbolic links, the tokenizer files are copied, and config.json is the
/// model's with the tokenizer's image and pad token ids. The caller deletes the directory.
/// </summary>
public static class TokenizerOverlay
{
    private static readonly string[] TokenizerFiles =
        ["tokenizer.model", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "added_tokens.json"];

    /// <summary>Builds the overlay of <paramref name="modelDir"/> with the tokenizer of <paramref name="tokenizerDir"/>.</summary>
    public static string Create(string modelDir, string tokenizerDir)
    {
        string overlay = Directory.CreateTempSubdirectory("visionzip-tokenizer-overlay-").FullName;
        foreach (var file in Directory.EnumerateFiles(modelDir))
        {
            string name = Path.GetFileName(file);
            if (name != "config.json" && !TokenizerFiles.Contains(name))
            {
                File.CreateSymbolicLink(Path.Combine(overlay, name), file);
            }
        }

        foreach (var name in TokenizerFiles)
        {
            string source = Path.Combine(tokenizerDir, name);
            if (File.Exists(source))
            {
                File.Copy(source, Path.Combine(overlay, name));
            }
        }

        // The image and pad ids must be the tokenizer's; both stay below the model's vocabulary.
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(modelDir, "config.json")))!.AsObject();
        var donor = JsonNode.Parse(File.ReadAllText(Path.Combine(tokenizerDir, "config.json")))!.AsObject();
        foreach (var key in new[] { "image_token_index", "image_token_id", "pad_token_id" })
        {
            if (donor[key] is { } value)
            {
                config[key] = value.DeepClone();
            }
        }

        File.WriteAllText(Path.Combine(overlay, "config.json"), config.ToJsonString());
        return overlay;
    }
}
