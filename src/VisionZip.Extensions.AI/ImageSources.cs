using Microsoft.Extensions.AI;

namespace VisionZip.Extensions.AI;

/// <summary>
/// Turns an image content of a chat message into encoded bytes: <see cref="DataContent"/> (bytes or a <c>data:</c> URI)
/// of a supported media type, or a <see cref="UriContent"/> with a <c>file:</c> URI inside an allowed directory.
/// Nothing is ever downloaded.
/// </summary>
internal static class ImageSources
{
    /// <summary>Media types the decoder reads.</summary>
    public static readonly IReadOnlySet<string> SupportedMediaTypes =
        new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "image/png", "image/jpeg", "image/jpg", "image/webp", "image/gif" };

    /// <summary>Whether <paramref name="content"/> is an image this client must read (other contents are refused or text).</summary>
    public static bool IsImage(AIContent content) => content switch
    {
        DataContent data => data.HasTopLevelMediaType("image"),
        UriContent uri => uri.HasTopLevelMediaType("image"),
        _ => false,
    };

    /// <summary>The encoded image bytes and a name for errors.</summary>
    /// <exception cref="ArgumentException">Unsupported media type, a scheme other than <c>file:</c>, or a file outside the allowed directories.</exception>
    /// <exception cref="FileNotFoundException">An allowed <c>file:</c> URI names no file.</exception>
    public static (ReadOnlyMemory<byte> Bytes, string Name) Read(AIContent content, IReadOnlyList<string> allowedDirectories, int index)
    {
        switch (content)
        {
            case DataContent data:
                RequireSupported(data.MediaType, $"image {index}");
                return (data.Data, $"image {index} ({data.MediaType})");
            case UriContent uri:
                return (ReadFile(uri.Uri, allowedDirectories, index), uri.Uri.ToString());
            default:
                throw new ArgumentException($"image {index}: {content.GetType().Name} is not an image content", nameof(content));
        }
    }

    private static void RequireSupported(string mediaType, string what)
    {
        if (!SupportedMediaTypes.Contains(mediaType))
        {
            throw new ArgumentException(
                $"{what}: media type '{mediaType}' is not supported (image/png, image/jpeg, image/webp, image/gif)", "messages");
        }
    }

    private static byte[] ReadFile(Uri uri, IReadOnlyList<string> allowedDirectories, int index)
    {
        if (!uri.IsAbsoluteUri || !uri.IsFile)
        {
            throw new ArgumentException(
                $"image {index}: '{uri}' is not a file: URI; remote images are never downloaded (send the bytes as DataContent or a data: URI)",
                "messages");
        }

        string path = Path.GetFullPath(uri.LocalPath);
        bool allowed = allowedDirectories.Any(directory =>
        {
            string root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory)) + Path.DirectorySeparatorChar;
            return path.StartsWith(root, StringComparison.Ordinal);
        });
        if (!allowed)
        {
            throw new ArgumentException(
                $"image {index}: {path} is outside the directories this client may read (VisionZipChatClientOptions.AllowedImageDirectories)",
                "messages");
        }

        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"image {index}: not found: {path}", path);
        }

        return File.ReadAllBytes(path);
    }
}
