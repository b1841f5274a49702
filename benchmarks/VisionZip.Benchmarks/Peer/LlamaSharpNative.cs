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
            }

            _configured = true;
        }
    }

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
