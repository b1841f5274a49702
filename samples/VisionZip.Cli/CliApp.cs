using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using VisionZip.Cli.Commands;
using VisionZip.Cli.Infrastructure;
using VisionZip.Cli.Reporting;
using VisionZip.Runtime;

namespace VisionZip.Cli;

/// <summary>
/// The <c>visionzip</c> command, runnable in-process: <see cref="Run(string[], TextWriter, TextWriter, TextReader?)"/>
/// parses the arguments, runs the command and turns every failure into a one-line error and a non-zero exit code.
/// </summary>
internal static class CliApp
{
    /// <summary>Program name used in messages.</summary>
    public const string Name = "visionzip";

    /// <summary>Runs the command line <paramref name="args"/> and returns the process exit code.</summary>
    /// <param name="args">Arguments after the program name.</param>
    /// <param name="output">Standard output (results).</param>
    /// <param name="error">Standard error (errors and progress).</param>
    /// <param name="input">Standard input (for <c>chat</c>); empty when null.</param>
    /// <returns>0 on success, 1 for a runtime error (bad file or checkpoint), 2 for bad options.</returns>
    public static int Run(string[] args, TextWriter output, TextWriter error, TextReader? input = null)
    {
        ArgumentNullException.ThrowIfNull(args);
        var context = new CliContext(output, error, input ?? TextReader.Null);
        context.Verbose = args.Contains("--verbose", StringComparer.Ordinal);
        RootCommand root = BuildRoot(context);
        if (args.Length == 0)
        {
            args = ["--help"];
        }

        ParseResult parse;
        try
        {
            parse = root.Parse(args);
        }
        catch (Exception e)
        {
            return Report(context, e);
        }

        if (parse.Errors.Count > 0)
        {
            string where = parse.CommandResult.Command is RootCommand ? Name : $"{Name} {parse.CommandResult.Command.Name}";
            // "Required command was not provided" hides the more useful "Unrecognized command or argument 'x'".
            string message = parse.Errors.Select(e => e.Message).FirstOrDefault(m => !m.StartsWith("Required command", StringComparison.Ordinal))
                ?? parse.Errors[0].Message;
            error.WriteLine($"{Name}: error: {OneLine(message)} (see '{where} --help')");
            return CliUsageException.UsageExitCode;
        }

        try
        {
            if (NeedsTensors(parse))
            {
                LoadNativeRuntime(context);
            }

            return parse.Invoke(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false });
        }
        catch (Exception e)
        {
            return Report(context, e);
        }
    }

    // Help and version (root or subcommand) need no tensors; every command action does.
    private static bool NeedsTensors(ParseResult parse) =>
        parse.Action is not (null or HelpAction) && parse.CommandResult.Command is not RootCommand;

    private static void LoadNativeRuntime(CliContext context)
    {
        try
        {
            TorchRuntime.EnsureLoaded();
        }
        finally
        {
            if (context.Verbose)
            {
                foreach (string note in TorchRuntime.Diagnostics)
                {
                    context.Error.WriteLine($"{Name}: note: {note}");
                }
            }
        }
    }

    /// <summary>Builds the command tree bound to <paramref name="context"/>.</summary>
    public static RootCommand BuildRoot(CliContext context)
    {
        var root = new RootCommand(
            "visionzip: fewer visual tokens, faster vision-language models (VisionZip, CVPR 2025) on TorchSharp.\n" +
            "Start with 'visionzip demo'.");
        root.Options.Add(new Option<bool>("--verbose") { Description = "Show stack traces on errors.", Recursive = true });
        root.Subcommands.Add(new EncodeCommand(context).Command);
        root.Subcommands.Add(new VisualizeCommand(context).Command);
        root.Subcommands.Add(new GenerateCommand(context).Command);
        root.Subcommands.Add(new ChatCommand(context).Command);
        root.Subcommands.Add(new DemoCommand(context).Command);
        root.Subcommands.Add(new TuneCommand(context).Command);
        root.Subcommands.Add(new ServeCommand(context).Command);
        root.Subcommands.Add(new BenchCommand(context).Command);
        return root;
    }

    /// <summary>Prints <paramref name="exception"/> as one line (full trace with --verbose) and returns its exit code.</summary>
    public static int Report(CliContext context, Exception exception)
    {
        ArgumentNullException.ThrowIfNull(context);
        Exception shown = Unwrap(exception);
        context.Error.WriteLine($"{Name}: error: {ErrorMessages.Render(shown.Message)}");
        if (context.Verbose)
        {
            context.Error.WriteLine(exception.ToString());
        }

        return shown is CliException cli ? cli.ExitCode : CliException.RuntimeExitCode;
    }

    private static Exception Unwrap(Exception exception)
    {
        while (exception is AggregateException or System.Reflection.TargetInvocationException or TypeInitializationException
               && exception.InnerException is not null)
        {
            exception = exception.InnerException;
        }

        return exception;
    }

    /// <summary>
    /// <paramref name="message"/> as one line: its first line plus the items listed on indented lines below it (capped,
    /// with a count), without .NET jargon, control characters escaped (see <see cref="ErrorMessages.Render"/>).
    /// </summary>
    public static string OneLine(string message) => ErrorMessages.Render(message);
}
