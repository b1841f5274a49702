using VisionZip.Models.Checkpoints;

namespace VisionZip.Models.Tokenization;

/// <summary>Picks and loads the tokenizer of a Hugging Face checkpoint directory.</summary>
public static class TokenizerLoader
{
    /// <summary>
    /// Loads the tokenizer in <paramref name="directory"/>: <see cref="LlamaSentencePieceTokenizer"/> when
    /// <c>tokenizer.model</c> exists, else <see cref="Qwen2BpeTokenizer"/> when <c>vocab.json</c> (with <c>merges.txt</c>)
    /// exists. <c>tokenizer.json</c> alone is not supported.
    /// </summary>
    /// <param name="directory">The checkpoint directory.</param>
    /// <returns>The tokenizer.</returns>
    /// <exception cref="DirectoryNotFoundException">The directory does not exist.</exception>
    /// <exception cref="FileNotFoundException">No supported tokenizer file is there, or <c>merges.txt</c> is missing next to <c>vocab.json</c>.</exception>
    /// <exception cref="InvalidDataException">A tokenizer file is corrupt; the message names it.</exception>
    public static ITextTokenizer Load(string directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        string fullPath = Path.GetFullPath(directory);
        if (!Directory.Exists(fullPath))
        {
            throw new DirectoryNotFoundException($"checkpoint directory not found: {fullPath}");
        }

        using var checkpoint = CheckpointDirectory.Open(fullPath);
        return Load(checkpoint);
    }

    /// <summary>
    /// Loads the tokenizer of an opened checkpoint directory (each file read once per directory); otherwise as
    /// <see cref="Load(string)"/>.
    /// </summary>
    /// <param name="directory">The opened checkpoint directory.</param>
    /// <returns>The tokenizer.</returns>
    /// <exception cref="FileNotFoundException">No supported tokenizer file is there, or <c>merges.txt</c> is missing next to <c>vocab.json</c>.</exception>
    /// <exception cref="InvalidDataException">A tokenizer file is corrupt; the message names it.</exception>
    public static ITextTokenizer Load(CheckpointDirectory directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        if (directory.Contains(LlamaSentencePieceTokenizer.ModelFile))
        {
            return LlamaSentencePieceTokenizer.Load(directory);
        }

        if (directory.Contains(Qwen2BpeTokenizer.VocabFile) || directory.Contains(Qwen2BpeTokenizer.MergesFile))
        {
            return Qwen2BpeTokenizer.Load(directory);
        }

        string hint = directory.Contains("tokenizer.json")
            ? " (tokenizer.json alone is not supported)"
            : string.Empty;
        throw new FileNotFoundException(
            $"no tokenizer in {directory.Path}: expected {LlamaSentencePieceTokenizer.ModelFile} (SentencePiece) or " +
            $"{Qwen2BpeTokenizer.VocabFile} + {Qwen2BpeTokenizer.MergesFile} (byte-level BPE){hint}",
            directory.FilePath(LlamaSentencePieceTokenizer.ModelFile));
    }

    /// <summary>Whether <paramref name="directory"/> holds a tokenizer file <see cref="Load(CheckpointDirectory)"/> reads.</summary>
    internal static bool HasTokenizerFiles(CheckpointDirectory directory) =>
        directory.Contains(LlamaSentencePieceTokenizer.ModelFile) || directory.Contains(Qwen2BpeTokenizer.VocabFile);
}
