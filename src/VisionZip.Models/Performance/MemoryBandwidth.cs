using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace VisionZip.Models.Performance;

/// <summary>
/// Read bandwidth of this machine as a decode step sees it: all cores streaming disjoint parts of a buffer far
/// larger than the caches (allocated and touched once, so page faults are not timed). Uses 512 MiB while it lives.
/// </summary>
/// <remarks>
/// Needs a CPU with 512-bit vectors to be meaningful; elsewhere .NET emulates them and the figure is low.
/// On Linux the buffer is its own anonymous mapping, not taken from the C heap, so <see cref="Dispose"/> gives its
/// pages back to the kernel even in a process that keeps freed heap memory for reuse
/// (<c>VisionZip.Runtime.NativeMemoryReuse</c>): a probe does not leave 512 MiB resident behind it.
/// Not thread-safe; one measurement at a time.
/// </remarks>
public sealed unsafe class MemoryBandwidth : IDisposable
{
    private const long Floats = 128L * 1024 * 1024; // 512 MiB
    private const nuint Bytes = (nuint)(Floats * sizeof(float));
    private const int Chunks = 16;
    private readonly bool _mapped;
    private float* _buffer;

    /// <summary>Allocates and touches the buffer.</summary>
    /// <exception cref="OutOfMemoryException">The 512 MiB could not be allocated.</exception>
    public MemoryBandwidth()
    {
        if (OperatingSystem.IsLinux())
        {
            nint address = mmap(0, Bytes, ProtectRead | ProtectWrite, MapPrivate | MapAnonymous, -1, 0);
            if (address == MapFailed)
            {
                throw new OutOfMemoryException($"MemoryBandwidth: mmap of {Bytes} bytes failed (errno {Marshal.GetLastPInvokeError()})");
            }

            _buffer = (float*)address;
            _mapped = true;
        }
        else
        {
            _buffer = (float*)NativeMemory.AlignedAlloc(Bytes, 64);
        }

        new Span<float>(_buffer, (int)Floats).Fill(1f);
    }

    /// <summary>The faster of two passes over the buffer, in GB/s (10^9 bytes).</summary>
    /// <exception cref="ObjectDisposedException">After <see cref="Dispose"/>.</exception>
    public double Measure() => Measure(2);

    /// <summary>
    /// The fastest of <paramref name="passes"/> passes over the buffer, in GB/s (10^9 bytes). A pass takes about 10 ms
    /// at 50 GB/s, so on a shared machine more passes make a preempted pass matter less.
    /// </summary>
    /// <param name="passes">Timed passes, at least 1.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="passes"/> is below 1.</exception>
    /// <exception cref="ObjectDisposedException">After <see cref="Dispose"/>.</exception>
    public double Measure(int passes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(passes, 1);
        ObjectDisposedException.ThrowIf(_buffer is null, this);
        double best = 0;
        for (int i = 0; i < passes; i++)
        {
            best = Math.Max(best, Pass());
        }

        return best;
    }

    private double Pass()
    {
        nint address = (nint)_buffer;
        var sums = new float[Chunks];
        var clock = Stopwatch.StartNew();
        Parallel.For(0, Chunks, chunk =>
        {
            long perChunk = Floats / Chunks;
            float* start = (float*)address + chunk * perChunk;
            var sum0 = Vector512<float>.Zero;
            var sum1 = Vector512<float>.Zero;
            var sum2 = Vector512<float>.Zero;
            var sum3 = Vector512<float>.Zero;
            for (long i = 0; i < perChunk; i += 64)
            {
                sum0 += Vector512.Load(start + i);
                sum1 += Vector512.Load(start + i + 16);
                sum2 += Vector512.Load(start + i + 32);
                sum3 += Vector512.Load(start + i + 48);
            }

            sums[chunk] = Vector512.Sum((sum0 + sum1) + (sum2 + sum3)); // kept so the loads are not optimised away
        });
        double seconds = clock.Elapsed.TotalSeconds;
        return sums.Sum() > 0 ? Floats * sizeof(float) / seconds / 1e9 : double.NaN;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_buffer is null)
        {
            return;
        }

        if (_mapped)
        {
            _ = munmap((nint)_buffer, Bytes);
        }
        else
        {
            NativeMemory.AlignedFree(_buffer);
        }

        _buffer = null;
    }

    // Linux (x86-64 and arm64 share these values).
    private const int ProtectRead = 0x1;
    private const int ProtectWrite = 0x2;
    private const int MapPrivate = 0x02;
    private const int MapAnonymous = 0x20;
    private static readonly nint MapFailed = -1;

    [DllImport("libc", SetLastError = true)]
    private static extern nint mmap(nint address, nuint length, int protection, int flags, int fd, nint offset);

    [DllImport("libc", SetLastError = true)]
    private static extern int munmap(nint address, nuint length);
}
