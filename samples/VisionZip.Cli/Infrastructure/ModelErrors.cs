using VisionZip.Models.Errors;

namespace VisionZip.Cli.Infrastructure;

/// <summary>Turns loader exceptions into one-line errors that name the <c>--model</c> directory.</summary>
internal static class ModelErrors
{
    /// <summary>Runs <paramref name="load"/>; a malformed or incomplete checkpoint becomes a <see cref="CliException"/>.</summary>
    public static T Wrap<T>(ModelDirectory model, Func<T> load)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(load);
        try
        {
            return load();
        }
        catch (Exception e) when (e is CheckpointException or ResourceLimitException or InvalidDataException or FileNotFoundException or DirectoryNotFoundException
                                       or System.Text.Json.JsonException or NotSupportedException or ArgumentException or IOException)
        {
            string message = e.Message.Trim();
            string where = message.Contains(model.Path, StringComparison.Ordinal) ? "" : $" ({model.Path})";
            throw new CliException($"--model: bad checkpoint{where}: {message}", e);
        }
    }

    /// <summary>Runs <paramref name="check"/> like <see cref="Wrap{T}(ModelDirectory, Func{T})"/>, for checks that return nothing.</summary>
    public static void Wrap(ModelDirectory model, Action check)
    {
        ArgumentNullException.ThrowIfNull(check);
        Wrap(model, () =>
        {
            check();
            return true;
        });
    }
}
