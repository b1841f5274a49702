using Spectre.Console;

namespace VisionZip.Cli;

/// <summary>Where a run reads and writes: the streams <see cref="CliApp.Run(string[], TextWriter, TextWriter, TextReader?)"/> was given.</summary>
internal sealed class CliContext
{
    /// <summary>Creates a context over the given streams.</summary>
    public CliContext(TextWriter output, TextWriter error, TextReader input)
    {
        Output = output;
        Error = error;
        Input = input;
        Console = CreateConsole(output);
        ErrorConsole = CreateConsole(error);
    }

    /// <summary>Standard output: results (tables, generated text, JSON).</summary>
    public TextWriter Output { get; }

    /// <summary>Standard error: errors, progress, notes that must not mix with results.</summary>
    public TextWriter Error { get; }

    /// <summary>Standard input (chat).</summary>
    public TextReader Input { get; }

    /// <summary>Spectre console writing to <see cref="Output"/> (plain text when it is not a terminal).</summary>
    public IAnsiConsole Console { get; }

    /// <summary>Spectre console writing to <see cref="Error"/> (plain text when it is not a terminal).</summary>
    public IAnsiConsole ErrorConsole { get; }

    /// <summary>True when <c>--verbose</c> was given: errors carry their stack trace.</summary>
    public bool Verbose { get; set; }

    /// <summary>
    /// Runs <paramref name="work"/> under a spinner on standard error when that is a terminal, else plainly.
    /// The spinner never touches standard output, so piped results stay clean.
    /// </summary>
    public T Status<T>(string what, Func<T> work)
    {
        if (!ErrorConsole.Profile.Capabilities.Interactive || !ErrorConsole.Profile.Capabilities.Ansi)
        {
            return work();
        }

        return ErrorConsole.Status().Start(what, _ => work());
    }

    private static IAnsiConsole CreateConsole(TextWriter writer)
    {
        bool isConsole = ReferenceEquals(writer, System.Console.Out) || ReferenceEquals(writer, System.Console.Error);
        return AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Ansi = isConsole ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = isConsole ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = isConsole ? InteractionSupport.Detect : InteractionSupport.No,
        });
    }
}
