namespace VisionZip.Tests.Support;

/// <summary>Locates the golden fixtures copied into the repository (tests/fixtures), never ../shared.</summary>
public static class Fixtures
{
    private static readonly Lazy<string> RootPath = new(FindRoot);

    /// <summary>Absolute path of tests/fixtures.</summary>
    public static string Root => RootPath.Value;

    /// <summary>Absolute path of a fixture folder or file, e.g. <c>Path("clip-vit-tiny-patch14-336")</c>.</summary>
    public static string Path(params string[] parts) => System.IO.Path.Combine([Root, .. parts]);

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            string candidate = System.IO.Path.Combine(directory.FullName, "tests", "fixtures");
            if (File.Exists(System.IO.Path.Combine(directory.FullName, "VisionZip.sln")) && Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException($"tests/fixtures not found above {AppContext.BaseDirectory}");
    }
}
