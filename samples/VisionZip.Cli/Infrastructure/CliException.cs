namespace VisionZip.Cli.Infrastructure;

/// <summary>
/// A failure the user can fix (bad file, bad checkpoint, bad value). The message is printed as one line,
/// without a stack trace unless <c>--verbose</c> is given.
/// </summary>
internal class CliException : Exception
{
    /// <summary>Exit code of a run that fails with a runtime error (bad file, bad checkpoint).</summary>
    public const int RuntimeExitCode = 1;

    /// <summary>Creates the exception with a one-line message naming the file or option at fault.</summary>
    public CliException(string message, Exception? inner = null) : base(message, inner)
    {
    }

    /// <summary>The process exit code for this failure.</summary>
    public virtual int ExitCode => RuntimeExitCode;
}

/// <summary>Options that do not fit together or hold values out of range. Exit code 2, like a parse error.</summary>
internal sealed class CliUsageException : CliException
{
    /// <summary>Exit code of a run rejected because of its options.</summary>
    public const int UsageExitCode = 2;

    /// <summary>Creates the exception with a one-line message naming the option at fault.</summary>
    public CliUsageException(string message) : base(message)
    {
    }

    /// <inheritdoc />
    public override int ExitCode => UsageExitCode;
}
