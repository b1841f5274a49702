namespace VisionZip.Runtime;

/// <summary>
/// Tells a missing TorchSharp backend package apart from other native load failures. The <c>TorchSharp</c> package
/// carries only the bridge (<c>libLibTorchSharp.so</c>); libtorch itself comes from a backend package
/// (<c>TorchSharp-cpu</c>, <c>TorchSharp-cuda-linux</c>, <c>TorchSharp-cuda-windows</c>). Without one, the bridge
/// fails to load with a loader message (often about GLIBCXX) that never names the package to add.
/// </summary>
internal static class TorchBackendProbe
{
    // The library every backend package ships; its absence from every searched directory means no backend.
    internal const string BackendMarker = "libtorch_cpu.so";

    internal const string AddBackendAdvice =
        "no TorchSharp backend package is referenced: the TorchSharp package carries no libtorch. " +
        "Add one to the application: `dotnet add package TorchSharp-cpu` (CPU), or TorchSharp-cuda-linux / " +
        "TorchSharp-cuda-windows (NVIDIA GPUs), at the TorchSharp version the VisionZip packages depend on.";

    /// <summary>The message for a missing backend, or null when one of <paramref name="directories"/> holds libtorch.</summary>
    internal static string? MissingBackendMessage(IEnumerable<string> directories, string bridge)
    {
        if (directories.Any(d => File.Exists(Path.Combine(d, BackendMarker))))
        {
            return null;
        }

        return $"TorchSharp's native library {bridge} cannot load libtorch ({BackendMarker} is in none of the directories searched): " +
               AddBackendAdvice;
    }
}
