using LLama;
using LLama.Native;

namespace VisionZip.Benchmarks.Peer;

/// <summary>
/// The GGUF files of one checkpoint, cached under <c>~/.cache/visionzip/gguf/NAME/</c> like the synthetic checkpoints:
/// <c>bf16.gguf</c> from <see cref="LlamaGgufConverter"/>, <c>q8_0.gguf</c> and <c>q4_k_m.gguf</c> from llama.cpp's own
/// quantiser (<see cref="LLamaQuantizer"/>) over the BF16 file. Each file is written under a temporary name, moved
/// into place, then marked complete (<c>FILE.complete</c>); a file without its marker is rebuilt.
/// </summary>
public static class PeerGgufFiles
{
    private const string MarkerSuffix = ".complete";

    /// <summary>The cached file of <paramref name="format"/> for <paramref name="checkpointDirectory"/>, built when absent.</summary>
    /// <param name="checkpointDirectory">The llava-hf (or bare llama) checkpoint.</param>
    /// <param name="format">A LLamaSharp format.</param>
    /// <param name="threads">Threads for the quantiser.</param>
    /// <param name="log">Progress lines (building a 7B file takes minutes).</param>
    public static string Ensure(string checkpointDirectory, PeerFormat format, int threads, Action<string> log)
    {
        ArgumentNullException.ThrowIfNull(checkpointDirectory);
        ArgumentNullException.ThrowIfNull(log);
        string directory = CacheDirectory(checkpointDirectory);
        Directory.CreateDirectory(directory);
        string bf16 = Path.Combine(directory, "bf16.gguf");
        var (file, ftype) = format switch
        {
            PeerFormat.LlamaBf16 => ("bf16.gguf", LLamaFtype.MOSTLY_BF16),
            PeerFormat.LlamaQ8_0 => ("q8_0.gguf", LLamaFtype.MOSTLY_Q8_0),
            PeerFormat.LlamaQ4_K_M => ("q4_k_m.gguf", LLamaFtype.MOSTLY_Q4_K_M),
            _ => throw new ArgumentOutOfRangeException(nameof(format), format, "not a LLamaSharp format"),
        };
        string path = Path.Combine(directory, file);
        if (IsComplete(path))
        {
            return path;   // a quantised file stays usable after its BF16 source was deleted to free the disk
        }

        if (!IsComplete(bf16))
        {
            log($"writing {bf16}");
            Build(bf16, temporary => LlamaGgufConverter.Convert(checkpointDirectory, temporary, GgmlType.BF16,
                Path.GetFileName(Path.TrimEndingDirectorySeparator(checkpointDirectory))));
        }

        if (format != PeerFormat.LlamaBf16)
        {
            log($"quantising {bf16} -> {path}");
            _ = LlamaSharpNative.SystemInfo();   // loads the native library: the quantiser's own imports do not trigger it
            Build(path, temporary =>
            {
                // quantizeOutputTensor: as llama-quantize does by default (Q4_K_M stores output.weight as Q6_K).
                if (!LLamaQuantizer.Quantize(bf16, temporary, ftype, threads, allowRequantize: false, quantizeOutputTensor: true))
                {
                    throw new InvalidOperationException($"llama.cpp's quantiser failed on {bf16} ({ftype})");
                }
            });
        }

        return path;
    }

    /// <summary>Where the files of <paramref name="checkpointDirectory"/> are kept.</summary>
    public static string CacheDirectory(string checkpointDirectory)
    {
        string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        string root = Path.Combine(string.IsNullOrEmpty(home) ? Path.GetTempPath() : Path.Combine(home, ".cache"), "visionzip", "gguf");
        return Path.Combine(root, Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(checkpointDirectory))));
    }

    private static bool IsComplete(string path) => File.Exists(path) && File.Exists(path + MarkerSuffix);

    private static void Build(string path, Action<string> write)
    {
        File.Delete(path + MarkerSuffix);
        string temporary = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
        try
        {
            write(temporary);
            File.Move(temporary, path, overwrite: true);
            File.WriteAllText(path + MarkerSuffix, DateTime.UtcNow.ToString("O"));
        }
        finally
        {
            File.Delete(temporary);
        }
    }
}
