namespace VisionZip.Cli.Infrastructure;

/// <summary>Checks on files the user names.</summary>
internal static class InputFile
{
    /// <summary>Returns the full path of an existing, readable file, else throws naming <paramref name="option"/>.</summary>
    public static string Existing(string path, string option)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            throw new CliUsageException($"{option}: the file name is empty");
        }

        string fullPath = Path.GetFullPath(path);
        if (Directory.Exists(fullPath))
        {
            throw new CliException($"{option} {path}: is a directory, expected a file");
        }

        if (!File.Exists(fullPath))
        {
            throw new CliException($"{option} {path}: file not found");
        }

        return fullPath;
    }
}
