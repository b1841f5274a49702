using System.Globalization;

namespace VisionZip.Benchmarks.Peer;

/// <summary>
/// A stand-in SentencePiece ("llama") vocabulary of any size for GGUF files of random-weight models: the benchmark
/// feeds token ids, never text, but llama.cpp still builds its vocabulary at load. Ids 0, 1, 2 are <c>&lt;unk&gt;</c>,
/// <c>&lt;s&gt;</c>, <c>&lt;/s&gt;</c> (LLaMA's), 3 to 258 the byte tokens <c>&lt;0x00&gt;</c> to <c>&lt;0xFF&gt;</c>
/// (llama.cpp's SPM vocabulary looks up <c>&lt;0x0A&gt;</c> for the newline), the rest distinct filler pieces.
/// </summary>
public static class GgufVocabulary
{
    /// <summary>Id of <c>&lt;unk&gt;</c>.</summary>
    public const int Unknown = 0;

    /// <summary>Id of <c>&lt;s&gt;</c>.</summary>
    public const int Bos = 1;

    /// <summary>Id of <c>&lt;/s&gt;</c>.</summary>
    public const int Eos = 2;

    /// <summary>Specials and byte tokens: the smallest vocabulary this writes.</summary>
    public const int MinimumSize = 3 + 256;

    /// <summary>Writes the <c>tokenizer.ggml.*</c> keys for a vocabulary of <paramref name="size"/> tokens.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="size"/> is below <see cref="MinimumSize"/>.</exception>
    public static void Write(GgufWriter writer, int size)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentOutOfRangeException.ThrowIfLessThan(size, MinimumSize);
        var tokens = new string[size];
        var scores = new float[size];
        var types = new int[size];
        (tokens[Unknown], types[Unknown]) = ("<unk>", (int)GgufTokenType.Unknown);
        (tokens[Bos], types[Bos]) = ("<s>", (int)GgufTokenType.Control);
        (tokens[Eos], types[Eos]) = ("</s>", (int)GgufTokenType.Control);
        for (int b = 0; b < 256; b++)
        {
            tokens[3 + b] = string.Create(CultureInfo.InvariantCulture, $"<0x{b:X2}>");
            types[3 + b] = (int)GgufTokenType.Byte;
        }

        for (int id = MinimumSize; id < size; id++)
        {
            tokens[id] = string.Create(CultureInfo.InvariantCulture, $"\u2581w{id}");   // "▁w259": a word piece, unique
            types[id] = (int)GgufTokenType.Normal;
            scores[id] = -(id - MinimumSize);                                          // earlier pieces merge first
        }

        writer.Set("tokenizer.ggml.model", GgufValue.String("llama"));
        writer.Set("tokenizer.ggml.tokens", GgufValue.Strings(tokens));
        writer.Set("tokenizer.ggml.scores", GgufValue.Float32s(scores));
        writer.Set("tokenizer.ggml.token_type", GgufValue.Int32s(types));
        writer.Set("tokenizer.ggml.bos_token_id", GgufValue.UInt32(Bos));
        writer.Set("tokenizer.ggml.eos_token_id", GgufValue.UInt32(Eos));
        writer.Set("tokenizer.ggml.unknown_token_id", GgufValue.UInt32(Unknown));
        writer.Set("tokenizer.ggml.add_bos_token", GgufValue.Bool(false));   // the benchmark gives ids, BOS included
    }
}
