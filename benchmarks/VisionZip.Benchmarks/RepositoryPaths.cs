namespace VisionZip.Benchmarks;

/// <summary>Files of the repository the benchmarks read (BenchmarkDotNet's child processes run from under bin/).</summary>
internal static class RepositoryPaths
{
    /// <summary>The directory holding <c>VisionZip.sln</c>, found upwards from the running assembly.</summary>
    public static string Root()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "VisionZip.sln")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException("run the benchmarks from inside the repository (VisionZip.sln not found above " + AppContext.BaseDirectory + ")");
    }

    /// <summary>The photo the CLI's demo and <c>visionzip bench</c> encode by default.</summary>
    public static string DemoPhoto() => Path.Combine(Root(), "tests", "fixtures", "images", "astronaut.png");
}
