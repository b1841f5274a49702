using VisionZip.Cli;

namespace VisionZip.Tests.Cli;

/// <summary>The outcome of one in-process <c>visionzip</c> run.</summary>
public sealed record CliResult(int ExitCode, string Output, string Error)
{
    /// <summary>Non-empty lines of standard error.</summary>
    public string[] ErrorLines => Error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Output}\n--- stderr\n{Error}";
}

/// <summary>Runs the CLI in-process through <see cref="CliApp.Run"/>.</summary>
public static class CliRunner
{
    public static CliResult Run(params string[] args) => RunWithInput("", args);

    public static CliResult RunWithInput(string input, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        int code = CliApp.Run(args, output, error, new StringReader(input));
        return new CliResult(code, output.ToString(), error.ToString());
    }

    /// <summary>Asserts a failed run: non-zero exit, exactly one error line, naming every <paramref name="mentions"/>.</summary>
    public static void AssertOneLineError(CliResult result, params string[] mentions)
    {
        Assert.True(result.ExitCode != 0, $"expected a failure\n{result}");
        string[] lines = result.ErrorLines;
        Assert.True(lines.Length == 1, $"expected one error line\n{result}");
        Assert.StartsWith("visionzip: error: ", lines[0]);
        foreach (string mention in mentions)
        {
            Assert.True(lines[0].Contains(mention, StringComparison.Ordinal), $"error should name '{mention}'\n{result}");
        }
    }
}

/// <summary>A fresh directory under the temp folder, deleted on dispose.</summary>
public sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "visionzip-cli-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>Names of every entry in the directory (temporary files included).</summary>
    public string[] Entries() => Directory.GetFileSystemEntries(Path).Select(System.IO.Path.GetFileName).ToArray()!;

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
