using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace VisionZip.Runtime;

/// <summary>
/// Makes TorchSharp's native library load on Linux systems whose libstdc++ predates GCC 13
/// (Debian 12, Ubuntu 22.04). TorchSharp 0.107's <c>libLibTorchSharp.so</c> declares a need for
/// <c>GLIBCXX_3.4.32</c> only for <c>std::ios_base_library_init</c>, which no relocation uses;
/// without this shim loading fails with a misleading "doesn't contain a reference to libtorch" error.
/// </summary>
/// <remarks>
/// Runs automatically when the VisionZip assembly is first used. Call <see cref="EnsureLoaded"/>
/// yourself only if your code calls <c>torch</c> before touching any VisionZip type.
/// When the original library loads, nothing is patched. Otherwise a copy with that one version
/// requirement marked weak is written once to a cache directory (never the NuGet cache) and loaded
/// ahead of TorchSharp. Thread-safe, idempotent and safe when several processes start at once.
/// It also sets libtorch's OpenMP wait policy to PASSIVE when the process has none (<see cref="OpenMpWaitPolicy"/>).
/// Set <c>VISIONZIP_NATIVE_SHIM=0</c> to disable the shim; <c>VISIONZIP_NATIVE_CACHE</c> picks the cache directory.
/// <para>
/// It never takes the process down and never writes to the console. When the cache directory cannot be written
/// (a service account whose HOME is read-only), the copy goes to a private temporary directory instead, deleted
/// again once loaded; when that fails too, the module initializer records the failure and returns, and
/// <see cref="EnsureLoaded"/> throws it with a message that says what to do. What happened is reported through
/// <see cref="Diagnostic"/> and <see cref="Diagnostics"/>, for the application to show or log.
/// </para>
/// </remarks>
public static class TorchRuntime
{
    internal const string MissingVersion = "GLIBCXX_3.4.32";
    private const string BridgeLibrary = "libLibTorchSharp.so";
    private static readonly string[] TorchLibraries = ["libc10.so", "libtorch_cpu.so", "libtorch.so"];
    private static readonly object Gate = new();
    private static readonly List<string> Notes = [];
    private static Exception? _failure;
    private static bool _done;

    /// <summary>
    /// Raised for each note the shim has for the application (a patched copy written, a fallback taken, a failure),
    /// on the thread that loads the library. Notes raised before a handler was attached stay in <see cref="Diagnostics"/>.
    /// </summary>
    public static event Action<string>? Diagnostic;

    /// <summary>Every note raised so far, oldest first (see <see cref="Diagnostic"/>).</summary>
    public static IReadOnlyList<string> Diagnostics
    {
        get
        {
            lock (Notes)
            {
                return Notes.ToArray();
            }
        }
    }

    /// <summary>The load failure <see cref="EnsureLoaded"/> throws, or null when the library loaded (or has not been tried yet).</summary>
    public static string? FailureMessage
    {
        get
        {
            lock (Gate)
            {
                return _failure?.Message;
            }
        }
    }

    /// <summary>Loads TorchSharp's native libraries, patching a copy first if this system needs it.</summary>
    /// <exception cref="InvalidOperationException">The native library cannot be loaded; the message names the file and the cause.</exception>
    public static void EnsureLoaded()
    {
        lock (Gate)
        {
            if (!_done)
            {
                try
                {
                    LoadOnce();
                }
                catch (Exception e)
                {
                    _failure = e;
                    Report(e.Message);
                }

                _done = true;
            }

            if (_failure is not null)
            {
                throw new InvalidOperationException(_failure.Message, _failure);
            }
        }
    }

#pragma warning disable CA2255 // A library module initializer is the point: it must run before the first torch call.
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void InitializeOnFirstUse()
    {
        try
        {
            EnsureLoaded();
        }
        catch (InvalidOperationException)
        {
            // Already recorded as a diagnostic; EnsureLoaded throws it again for whoever needs tensors.
        }
    }

    private static void Report(string note)
    {
        lock (Notes)
        {
            Notes.Add(note);
        }

        try
        {
            Diagnostic?.Invoke(note);
        }
        catch (Exception)
        {
            // A faulty handler must not stop the library from loading.
        }
    }

    private static void LoadOnce()
    {
        if (OpenMpWaitPolicy.ApplyDefault())
        {
            Report($"OMP_WAIT_POLICY was unset: set to {OpenMpWaitPolicy.Default} before libtorch loads (see OpenMpWaitPolicy)");
        }

        if (!OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable("VISIONZIP_NATIVE_SHIM") == "0")
        {
            return;
        }

        var directories = NativeSearchDirectories().ToList();
        string? bridge = FindFile(directories, BridgeLibrary);
        if (bridge is null)
        {
            return; // Unknown layout: leave the search to TorchSharp, which reports its own error.
        }

        foreach (var name in TorchLibraries)
        {
            // libtorch's own libraries carry no GLIBCXX_3.4.32 need; preloading them lets the copy
            // (which sits in another directory, so its $ORIGIN run path is useless) resolve them by soname.
            string? path = FindFile(directories, name, preferred: Path.GetDirectoryName(bridge));
            if (path is not null)
            {
                NativeLibrary.Load(path);
            }
        }

        if (TryLoad(bridge, out string originalError))
        {
            return;
        }

        // Checked before patching: without a backend package the loader blames GLIBCXX or libtorch, never the package.
        if (TorchBackendProbe.MissingBackendMessage(directories, bridge) is { } missingBackend)
        {
            throw new InvalidOperationException(missingBackend);
        }

        string patched = PatchedCopy(bridge);
        bool loaded = TryLoad(patched, out string patchedError);
        if (TemporaryCopy is { } scratch)
        {
            TryDeleteDirectory(scratch);
            TemporaryCopy = null;
        }

        if (!loaded)
        {
            throw new InvalidOperationException(
                $"TorchSharp's native library {bridge} does not load ({originalError}); " +
                $"the copy with {MissingVersion} marked weak ({patched}) does not load either ({patchedError}).");
        }
    }

    private static void TryDeleteDirectory(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort: a private directory under the temporary path.
        }
    }

    private static bool TryLoad(string path, out string error)
    {
        try
        {
            NativeLibrary.Load(path);
            error = "";
            return true;
        }
        catch (DllNotFoundException e)
        {
            error = e.Message;
            return false;
        }
        catch (BadImageFormatException e)
        {
            error = e.Message;
            return false;
        }
    }

    private static string PatchedCopy(string original)
    {
        byte[] bytes = File.ReadAllBytes(original);
        if (ElfVersionPatcher.MarkVersionWeak(bytes, MissingVersion, original) == 0)
        {
            throw new InvalidOperationException(
                $"TorchSharp's native library {original} does not load and has no {MissingVersion} requirement to relax; " +
                "the cause is something else (see the loader message from TorchSharp).");
        }

        string hash = Convert.ToHexString(SHA256.HashData(bytes))[..16].ToLowerInvariant();
        var refused = new List<string>();
        foreach (string root in CacheRoots())
        {
            string directory = Path.Combine(root, "torchsharp-native", hash);
            try
            {
                return WriteCopy(directory, bytes, original);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
            {
                refused.Add($"{directory} ({e.Message})");
            }
        }

        // No writable cache: a private directory of our own under the temporary path (mode 0700, a fresh name, so no
        // other account can have planted a library there). The loader maps the file, so it can go once loaded.
        try
        {
            var scratch = Directory.CreateTempSubdirectory("visionzip-native-");
            string target = Path.Combine(scratch.FullName, BridgeLibrary);
            File.WriteAllBytes(target, bytes);
            Report($"the native cache cannot be written ({string.Join("; ", refused)}); using a temporary copy at {target}");
            TemporaryCopy = scratch.FullName;
            return target;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            refused.Add($"{Path.GetTempPath()} ({e.Message})");
        }

        throw new InvalidOperationException(
            $"this system's libstdc++ lacks {MissingVersion}, and a patched copy of TorchSharp's native library cannot be written anywhere: " +
            $"{string.Join("; ", refused)}. Set VISIONZIP_NATIVE_CACHE (or TMPDIR) to a writable directory.");
    }

    // The private temporary directory of the copy loaded this run, deleted once the library is loaded.
    private static string? TemporaryCopy { get; set; }

    private static string WriteCopy(string directory, byte[] bytes, string original)
    {
        string target = Path.Combine(directory, BridgeLibrary);
        if (File.Exists(target) && File.ReadAllBytes(target).AsSpan().SequenceEqual(bytes))
        {
            return target;
        }

        Directory.CreateDirectory(directory);
        string temporary = Path.Combine(directory, $"{BridgeLibrary}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        File.WriteAllBytes(temporary, bytes);
        try
        {
            File.Move(temporary, target, overwrite: true);
            Report($"this system's libstdc++ lacks {MissingVersion}; using a patched copy of {original} at {target}");
        }
        catch (IOException) when (File.Exists(target))
        {
            File.Delete(temporary); // Another process won the race with identical bytes.
        }

        return target;
    }

    private static IEnumerable<string> CacheRoots()
    {
        string? configured = Environment.GetEnvironmentVariable("VISIONZIP_NATIVE_CACHE");
        if (!string.IsNullOrEmpty(configured))
        {
            yield return configured;
        }

        string? xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        if (!string.IsNullOrEmpty(xdg))
        {
            yield return Path.Combine(xdg, "visionzip");
        }

        string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        if (!string.IsNullOrEmpty(home))
        {
            yield return Path.Combine(home, ".cache", "visionzip");
        }
    }

    private static IEnumerable<string> NativeSearchDirectories()
    {
        string rid = RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? "linux-arm64" : "linux-x64";
        if (AppContext.GetData("NATIVE_DLL_SEARCH_DIRECTORIES") is string listed)
        {
            foreach (var entry in listed.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
            {
                yield return entry;
            }
        }

        yield return AppContext.BaseDirectory;
        yield return Path.Combine(AppContext.BaseDirectory, "runtimes", rid, "native");

        string? torchSharpDirectory = TorchSharpAssemblyDirectory();
        if (torchSharpDirectory is not null)
        {
            yield return torchSharpDirectory;
            yield return Path.Combine(torchSharpDirectory, "runtimes", rid, "native");
            // Inside the NuGet cache (e.g. a project that does not copy natives), libtorch is a sibling package.
            string packages = Path.GetFullPath(Path.Combine(torchSharpDirectory, "..", "..", "..", ".."));
            foreach (var libtorch in SafeDirectories(packages, "libtorch-*-" + rid).SelectMany(p => SafeDirectories(p, "*")).OrderDescending())
            {
                yield return Path.Combine(libtorch, "runtimes", rid, "native");
            }
        }
    }

    private static string? TorchSharpAssemblyDirectory()
    {
        try
        {
            var assembly = Assembly.Load("TorchSharp");
            return string.IsNullOrEmpty(assembly.Location) ? null : Path.GetDirectoryName(assembly.Location);
        }
        catch (Exception e) when (e is FileNotFoundException or FileLoadException or BadImageFormatException)
        {
            return null;
        }
    }

    private static IEnumerable<string> SafeDirectories(string root, string pattern)
    {
        try
        {
            return Directory.Exists(root) ? Directory.GetDirectories(root, pattern) : [];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    private static string? FindFile(IEnumerable<string> directories, string name, string? preferred = null)
    {
        if (preferred is not null && File.Exists(Path.Combine(preferred, name)))
        {
            return Path.Combine(preferred, name);
        }

        return directories.Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);
    }
}
