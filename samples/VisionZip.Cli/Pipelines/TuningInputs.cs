using System.Text.Json;
using VisionZip.Cli.Infrastructure;
using VisionZip.Models.Errors;
using VisionZip.Models.Imaging;
using VisionZip.Models.Tuning;

namespace VisionZip.Cli.Pipelines;

/// <summary>The examples of <c>tune --images</c>: every image of a directory with each question, or the lines of a .jsonl file.</summary>
internal static class TuningInputs
{
    private static readonly string[] ImageExtensions = [".png", ".jpg", ".jpeg", ".webp", ".gif", ".bmp"];
    private static readonly string[] DefaultQuestions = ["Describe this image.", "What is in the picture?", "What stands out in this image?"];

    /// <summary>Reads the examples; errors name the file and the line.</summary>
    public static IReadOnlyList<TuningExample> Read(string path, IReadOnlyList<string> questions)
    {
        string full = Path.GetFullPath(path);
        if (Directory.Exists(full))
        {
            string[] files = [.. Directory.GetFiles(full).Where(f => ImageExtensions.Contains(Path.GetExtension(f).ToLowerInvariant())).Order(StringComparer.Ordinal)];
            if (files.Length < 2)
            {
                throw new CliException($"--images {path}: needs at least 2 images (one is held out); found {files.Length}");
            }

            var asked = questions.Count > 0 ? questions : DefaultQuestions;
            return [.. files.Select((file, i) => new TuningExample(file, Decode(file, "--images"), asked[i % asked.Count]))];
        }

        if (!File.Exists(full))
        {
            throw new CliException($"--images {path}: no such directory or file");
        }

        var examples = new List<TuningExample>();
        string root = Path.GetDirectoryName(full)!;
        int number = 0;
        foreach (string line in File.ReadLines(full))
        {
            number++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            string where = $"--images {path}:{number}";
            try
            {
                using var json = JsonDocument.Parse(line);
                var element = json.RootElement;
                string image = Field(element, "image", where) ?? throw new CliException($"{where}: \"image\" is missing");
                string question = Field(element, "question", where) ?? throw new CliException($"{where}: \"question\" is missing");
                string imagePath = Path.GetFullPath(Path.Combine(root, image));
                examples.Add(new TuningExample(imagePath, Decode(imagePath, where), question, Field(element, "answer", where)));
            }
            catch (JsonException e)
            {
                throw new CliException($"{where}: not a JSON object ({e.Message})", e);
            }
        }

        return examples.Count >= 2 ? examples : throw new CliException($"--images {path}: needs at least 2 examples (one is held out); found {examples.Count}");
    }

    private static string? Field(JsonElement element, string name, string where)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new CliException($"{where}: expected a JSON object");
        }

        if (!element.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.String ? value.GetString() : throw new CliException($"{where}: \"{name}\" must be a string");
    }

    private static RgbImage Decode(string path, string where)
    {
        try
        {
            return ImageDecoder.Load(path);
        }
        catch (Exception e) when (e is VisionZipException or InvalidDataException or FileNotFoundException or IOException or UnauthorizedAccessException)
        {
            throw new CliException($"{where}: {path}: {CliApp.OneLine(e.Message)}", e);
        }
    }
}
