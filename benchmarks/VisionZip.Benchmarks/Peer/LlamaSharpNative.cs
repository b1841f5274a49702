using LLama.Native;

namespace VisionZip.Benchmarks.Peer;

/// <summary>Process-wide setup of LLamaSharp's native library: llama.cpp's log lines are dropped, not printed.</summary>
public static class LlamaSharpNative
{
    private static readonly Lock Gate = new();
    private static bool _configured;

    /// <summary>Configures the native library once, before its first load.</summary>
    public static void Configure()
    {
        lock (Gate)
        {
            if (_configured)
            {
                return;
            }

            if (!NativeLibraryConfig.LLama.LibraryHasLoaded)
            {
                NativeLibraryConfig.All.WithLogCallback((level, message) => { });
                RestoreOpenMpDefaults();
            }

            _configured = true;
        }
    }

    // Our runtime sets OMP_WAIT_POLICY=PASSIVE for libtorch when the process had none (libtorch's OpenMP has read it by
    // now); llama.cpp's own OpenMP reads it when its library loads, after this. A LLamaSharp user gets OpenMP's
    // defaults, so the variable is removed again here rather than slowing llama.cpp's threads with our setting.
    private static void RestoreOpenMpDefaults()
    {
        VisionZip.Runtime.TorchRuntime.EnsureLoaded();
        if (VisionZip.Runtime.TorchRuntime.Diagnostics.Any(note => note.StartsWith("OMP_WAIT_POLICY was unset", StringComparison.Ordinal)))
        {
            _ = unsetenv("OMP_WAIT_POLICY");
            Environment.SetEnvironmentVariable("OMP_WAIT_POLICY", null);
        }
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "unsetenv")]
    private static extern int unsetenv([System.Runtime.InteropServices.MarshalAs(System.Runtime.InteropServices.UnmanagedType.LPUTF8Str)] string name);

    /// <summary>
    /// llama.cpp's own account of what its CPU build uses (<c>llama_print_system_info</c>: AVX512, AVX512_BF16,
    /// AVX512_VNNI, AMX... each 0 or 1), so the report says which kernels the peer ran with.
    /// </summary>
    public static string SystemInfo()
    {
        Configure();
        return (System.Runtime.InteropServices.Marshal.PtrToStringUTF8(NativeApi.llama_print_system_info()) ?? "").Trim();
    }
}
