using System.Runtime.InteropServices;

namespace VisionZip.Runtime;

/// <summary>
/// Makes the C allocator keep freed memory for reuse, so that large tensors (libtorch allocates through
/// <c>malloc</c>) do not take fresh pages from the kernel on every call. Linux with glibc only; elsewhere a no-op.
/// </summary>
/// <remarks>
/// glibc serves every allocation above its mmap threshold (at most 32 MB) with a fresh <c>mmap</c> and returns it
/// with <c>munmap</c> when freed, so each such tensor page-faults all of its pages again: on the virtual machines this
/// project was measured on, filling a fresh 90 MB bfloat16 tensor took ~300 ms against ~5 ms for a reused one. A 7B
/// model meets that on every call that makes a tensor over 32 MB: a weight dequantised from int8 for a prompt
/// (an 11008 x 4096 bf16 matrix), the MLP activations of a prompt over ~1500 positions, the logits of a long prompt.
/// <see cref="Enable"/> turns off mmap for allocations (<c>M_MMAP_MAX = 0</c>), the trimming of the heap's top
/// (<c>M_TRIM_THRESHOLD</c> at its maximum) and extra arenas for threads created afterwards (<c>M_ARENA_MAX = 1</c>;
/// a thread arena's heaps are at most 64 MB and are unmapped when empty): freed blocks stay in the process and serve
/// the next tensors of the same sizes, so the resident set stays at its high-water mark instead of rising and falling
/// on every call. Call it once the model's weights are loaded, not before: while loading, transient tensors of many
/// sizes interleave with the long-lived weights and fragment a heap that never gives memory back (a 7B model loaded
/// with int8 quantisation grew to over 20 GB resident that way, against ~8 GB). After loading, a forward allocates
/// the same sizes call after call and the freed blocks fit them. The same can be had without code by starting
/// the process with <c>MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=2147483647 MALLOC_ARENA_MAX=1</c>.
/// It is process-wide, hence opt-in for a library: the <c>visionzip</c> tool and the benchmarks enable it after loading.
/// </remarks>
public static class NativeMemoryReuse
{
    private const int MmapMax = -4;        // M_MMAP_MAX in glibc's malloc.h
    private const int TrimThreshold = -1;  // M_TRIM_THRESHOLD
    private const int ArenaMax = -8;       // M_ARENA_MAX

    /// <summary>Whether <see cref="Enable"/> took effect in this process.</summary>
    public static bool IsEnabled { get; private set; }

    /// <summary>Keeps freed native memory for reuse (see the remarks); returns whether it took effect.</summary>
    public static bool Enable()
    {
        if (IsEnabled)
        {
            return true;
        }

        if (!OperatingSystem.IsLinux())
        {
            return false;
        }

        try
        {
            IsEnabled = mallopt(MmapMax, 0) == 1 && mallopt(TrimThreshold, int.MaxValue) == 1 && mallopt(ArenaMax, 1) == 1;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            IsEnabled = false;   // a C library without mallopt (musl): nothing to tune
        }

        return IsEnabled;
    }

    [DllImport("libc", EntryPoint = "mallopt")]
    private static extern int mallopt(int parameter, int value);
}
