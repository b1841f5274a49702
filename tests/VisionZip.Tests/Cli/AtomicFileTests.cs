using VisionZip.Cli.Infrastructure;

namespace VisionZip.Tests.Cli;

public sealed class AtomicFileTests
{
    [Fact]
    public void Write_ReplacesExistingFileAndLeavesNoTemporary()
    {
        using var temp = new TempDirectory();
        string path = temp.File("out.bin");
        File.WriteAllText(path, "old");

        AtomicFile.Write(path, "--out", tmp => File.WriteAllText(tmp, "new"));

        Assert.Equal("new", File.ReadAllText(path));
        Assert.Equal(["out.bin"], temp.Entries());
    }

    [Fact]
    public void Write_FailureLeavesExistingFileUntouchedAndNoTemporary()
    {
        using var temp = new TempDirectory();
        string path = temp.File("out.bin");
        File.WriteAllText(path, "old");

        var error = Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(path, "--out", tmp =>
        {
            File.WriteAllText(tmp, "half");
            throw new InvalidOperationException("boom");
        }));

        Assert.Equal("boom", error.Message);
        Assert.Equal("old", File.ReadAllText(path));
        Assert.Equal(["out.bin"], temp.Entries());
    }

    [Fact]
    public void Write_FailureCreatesNothingWhenNoFileExisted()
    {
        using var temp = new TempDirectory();
        Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(temp.File("new.bin"), "--out", tmp =>
        {
            File.WriteAllText(tmp, "half");
            throw new InvalidOperationException("boom");
        }));

        Assert.Empty(temp.Entries());
    }

    [Fact]
    public void CheckWritable_RejectsMissingDirectoryAndDirectories()
    {
        using var temp = new TempDirectory();
        var missing = Assert.Throws<CliUsageException>(() => AtomicFile.CheckWritable(temp.File("nope/out.bin"), "--out"));
        Assert.Contains("--out", missing.Message);
        Assert.Contains("does not exist", missing.Message);

        var directory = Assert.Throws<CliUsageException>(() => AtomicFile.CheckWritable(temp.Path, "--logits-out"));
        Assert.Contains("--logits-out", directory.Message);
    }
}
