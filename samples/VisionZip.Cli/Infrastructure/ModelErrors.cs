namespace VisionZip.Cli.Infrastructure;

/// <summary>Turns loader exceptions into one-line errors that name the <c>--model</c> directory.</summary>
public static class ModelErrors
{
    /// <summary>Runs <paramref name="load"/>; a malformed or incomplete checkpoint becomes a <see cref="CliException"/>.</summary>
    public static T Wrap<T>(ModelDirectory model, Func<T> load)
    {
        try
        {
            return load();
        }
        catch (Exception e) when (e is InvalidDataException or FileNotFoundException or DirectoryNotFoundException
                                       or System.Text.Json.JsonException or NotSupportedException or ArgumentException or IOException)
        {
            string message = CliApp.OneLine(e.Message);
            string where = message.Contains(model.Path, StringComparison.Ordinal) ? "" : $" ({model.Path})";
            throw new CliException($"--model: bad checkpoint{where}: {message}", e);
        }
    }
}
