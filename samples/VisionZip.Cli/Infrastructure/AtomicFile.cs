namespace VisionZip.Cli.Infrastructure;

/// <summary>
/// Writes output files so that a failed run leaves nothing behind: the content goes to a hidden temporary file in
/// the destination directory, which is moved over the destination only once it is complete. An existing file is
/// therefore either replaced by a complete new one or left untouched.
/// </summary>
internal static class AtomicFile
{
    /// <summary>
    /// Checks up front that <paramref name="path"/> can be written (its directory exists and accepts a new file, it is
    /// not a directory), so a long computation does not end in an avoidable error. Returns the full path.
    /// </summary>
    /// <param name="path">Destination given by the user.</param>
    /// <param name="option">The option that named it, for the error message (e.g. <c>--out</c>).</param>
    public static string CheckWritable(string path, string option)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            throw new CliUsageException($"{option}: the output path is empty");
        }

        string fullPath;
        try
        {
            fullPath = Path.GetFullPath(path);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw new CliUsageException($"{option} {path}: not a valid path ({e.Message})");
        }

        if (Directory.Exists(fullPath))
        {
            throw new CliUsageException($"{option} {path}: is a directory, expected a file name");
        }

        string? directory = Path.GetDirectoryName(fullPath);
        if (directory is null || !Directory.Exists(directory))
        {
            throw new CliUsageException($"{option} {path}: directory {directory} does not exist");
        }

        ProbeWritable(directory, path, option);
        return fullPath;
    }

    /// <summary>
    /// Runs <paramref name="write"/> on a temporary path next to <paramref name="path"/> and moves the result over
    /// <paramref name="path"/>. On any failure the temporary file is deleted and the destination is untouched.
    /// </summary>
    /// <param name="path">Destination file.</param>
    /// <param name="option">The option that named it, for error messages.</param>
    /// <param name="write">Writes the complete content to the path it receives.</param>
    public static void Write(string path, string option, Action<string> write)
    {
        string fullPath = CheckWritable(path, option);
        string directory = Path.GetDirectoryName(fullPath)!;
        string temporary = Path.Combine(directory, $".{Path.GetFileName(fullPath)}.{Guid.NewGuid():N}.tmp");
        try
        {
            write(temporary);
            if (!File.Exists(temporary))
            {
                throw new CliException($"{option} {path}: nothing was written");
            }

            File.Move(temporary, fullPath, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDelete(temporary);
            throw new CliException($"{option} {path}: cannot write ({e.Message})", e);
        }
        catch
        {
            TryDelete(temporary);
            throw;
        }
    }

    /// <summary>Writes <paramref name="bytes"/> atomically to <paramref name="path"/>.</summary>
    public static void WriteAllBytes(string path, string option, ReadOnlySpan<byte> bytes)
    {
        byte[] copy = bytes.ToArray();
        Write(path, option, temporary => File.WriteAllBytes(temporary, copy));
    }

    // Creating (and deleting) the hidden temporary file the write will use is the only reliable test: permissions,
    // read-only mounts, ACLs and pseudo file systems all answer it the same way.
    private static void ProbeWritable(string directory, string path, string option)
    {
        string probe = Path.Combine(directory, $".visionzip-probe.{Guid.NewGuid():N}.tmp");
        try
        {
            using (new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose))
            {
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"{option} {path}: directory {directory} is not writable ({e.Message})", e);
        }
        finally
        {
            TryDelete(probe);
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort: the temporary name is hidden and unique, never the user's file.
        }
    }
}
