using System.Diagnostics;
using VisionZip.Tests.Cli;
using VisionZip.Tests.Support;

namespace VisionZip.Tests.Runtime;

/// <summary>
/// The CLI in a child process whose HOME cannot hold the native-shim cache (HOME/.cache is a file, so even root cannot
/// create the directory): <c>--help</c> and <c>--version</c> always work; a real command either works through the
/// temporary-directory fallback or fails with one line, never an abort with a stack trace.
/// </summary>
public class ReadOnlyHomeTests
{
    private static readonly string Cli = Path.Combine(AppContext.BaseDirectory, "VisionZip.Cli.dll");

    [Theory]
    [InlineData("--help")]
    [InlineData("--version")]
    [InlineData("encode --help")]
    public void Help_and_version_work_when_nothing_can_be_written(string arguments)
    {
        using var home = UnwritableHome();
        var run = RunCli(arguments.Split(' '), home.Path, temporary: home.File(".cache"));
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.False(string.IsNullOrWhiteSpace(run.Output), run.ToString());
        Assert.DoesNotContain("Unhandled exception", run.Error);
    }

    [Fact]
    public void A_real_command_falls_back_to_a_temporary_copy()
    {
        using var home = UnwritableHome();
        using var scratch = new TempDirectory();
        string output = scratch.File("tokens.safetensors");
        var run = RunCli(["encode", "--model", Fixtures.Path("clip-vit-tiny-patch14-336"), "--image", Fixtures.Path("images", "coffee.png"), "--out", output],
            home.Path, temporary: scratch.Path);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.True(File.Exists(output), run.ToString());
        // The private temporary copy is removed once loaded.
        Assert.DoesNotContain(Directory.GetDirectories(scratch.Path), d => Path.GetFileName(d).StartsWith("visionzip-native-", StringComparison.Ordinal));
    }

    [Fact]
    public void A_real_command_fails_with_one_line_when_no_directory_is_writable()
    {
        using var home = UnwritableHome();
        var run = RunCli(["encode", "--model", Fixtures.Path("clip-vit-tiny-patch14-336"), "--image", Fixtures.Path("images", "coffee.png"), "--out", home.File("t.safetensors")],
            home.Path, temporary: home.File(".cache"));
        Assert.DoesNotContain("Unhandled exception", run.Error);
        Assert.NotEqual(134, run.ExitCode);
        if (run.ExitCode != 0)
        {
            // This system needs the patched copy (libstdc++ older than GCC 13): one clear line saying what to set.
            CliRunner.AssertOneLineError(run, "VISIONZIP_NATIVE_CACHE");
        }
    }

    private static TempDirectory UnwritableHome()
    {
        var home = new TempDirectory();
        File.WriteAllText(home.File(".cache"), "a file where the cache directory would go");
        return home;
    }

    private static CliResult RunCli(string[] arguments, string home, string temporary)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("exec");
        start.ArgumentList.Add(Cli);
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["HOME"] = home;
        start.Environment["TMPDIR"] = temporary;
        start.Environment.Remove("XDG_CACHE_HOME");
        start.Environment.Remove("VISIONZIP_NATIVE_CACHE");
        start.Environment.Remove("VISIONZIP_NATIVE_SHIM");
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"visionzip {string.Join(' ', arguments)} did not finish in 2 minutes");
        }

        return new CliResult(process.ExitCode, output, error.Result);
    }
}
