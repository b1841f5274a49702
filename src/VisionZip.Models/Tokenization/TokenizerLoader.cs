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

        if (File.Exists(Path.Combine(fullPath, LlamaSentencePieceTokenizer.ModelFile)))
        {
            return LlamaSentencePieceTokenizer.Load(fullPath);
        }

        if (File.Exists(Path.Combine(fullPath, Qwen2BpeTokenizer.VocabFile))
            || File.Exists(Path.Combine(fullPath, Qwen2BpeTokenizer.MergesFile)))
        {
            return Qwen2BpeTokenizer.Load(fullPath);
        }

        string hint = File.Exists(Path.Combine(fullPath, "tokenizer.json"))
            ? " (tokenizer.json alone is not supported)"
            : string.Empty;
        throw new FileNotFoundException(
            $"no tokenizer in {fullPath}: expected {LlamaSentencePieceTokenizer.ModelFile} (SentencePiece) or " +
            $"{Qwen2BpeTokenizer.VocabFile} + {Qwen2BpeTokenizer.MergesFile} (byte-level BPE){hint}",
            Path.Combine(fullPath, LlamaSentencePieceTokenizer.ModelFile));
    }
}
