using VisionZip.Cli.Reporting;
using VisionZip.Models.Tokenization;

namespace VisionZip.Cli.Pipelines;

/// <summary>
/// Writes generated tokens to standard output as they come: text through a streaming detokenizer (whole UTF-8
/// characters only), or space-separated ids for a decoder without tokenizer files. Control characters in the text
/// are escaped (<see cref="TerminalText"/>): a model's output must not drive the terminal.
/// </summary>
internal sealed class TokenStreamer
{
    private readonly TextWriter _output;
    private readonly StreamingDetokenizer? _detokenizer;
    private readonly bool _enabled;
    private int _count;

    /// <summary>Creates a streamer; with <paramref name="enabled"/> false it writes nothing (for --json).</summary>
    public TokenStreamer(TextWriter output, ITextTokenizer? tokenizer, bool enabled)
    {
        _output = output;
        _detokenizer = tokenizer is null ? null : new StreamingDetokenizer(tokenizer, skipSpecialTokens: true);
        _enabled = enabled;
    }

    /// <summary>Writes one generated token.</summary>
    public void Write(int token)
    {
        if (!_enabled)
        {
            return;
        }

        string piece = _detokenizer is null ? (_count == 0 ? "" : " ") + token : _detokenizer.Append(token);
        _count++;
        if (piece.Length > 0)
        {
            _output.Write(TerminalText.Escape(piece));
            _output.Flush();
        }
    }

    /// <summary>Writes what the detokenizer still holds and ends the line.</summary>
    public void Finish()
    {
        if (!_enabled)
        {
            return;
        }

        if (_detokenizer is not null)
        {
            _output.Write(TerminalText.Escape(_detokenizer.Flush()));
        }

        _output.WriteLine();
        _output.Flush();
    }
}
