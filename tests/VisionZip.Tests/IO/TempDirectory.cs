namespace VisionZip.Tests.IO;

/// <summary>A fresh directory under the system temp folder, deleted on dispose.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory() => Path = Directory.CreateTempSubdirectory("visionzip-io-").FullName;

    public string Path { get; }

    /// <summary>Full path of an entry in this directory.</summary>
    public string File(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>Names of the entries now in this directory, sorted.</summary>
    public string[] Entries() =>
        Directory.EnumerateFileSystemEntries(Path).Select(System.IO.Path.GetFileName).Order(StringComparer.Ordinal).ToArray()!;

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder must not fail a test.
        }
    }
}
