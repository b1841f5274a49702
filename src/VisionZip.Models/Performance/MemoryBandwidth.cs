using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace VisionZip.Models.Performance;

/// <summary>
/// Read bandwidth of this machine as a decode step sees it: all cores streaming disjoint parts of a buffer far
/// larger than the caches (allocated and touched once, so page faults are not timed). Uses 512 MiB while it lives.
/// </summary>
/// <remarks>Needs a CPU with 512-bit vectors to be meaningful; elsewhere .NET emulates them and the figure is low.</remarks>
public sealed unsafe class MemoryBandwidth : IDisposable
{
    private const long Floats = 128L * 1024 * 1024; // 512 MiB
    private const int Chunks = 16;
    private float* _buffer;

    /// <summary>Allocates and touches the buffer.</summary>
    public MemoryBandwidth()
    {
        _buffer = (float*)NativeMemory.AlignedAlloc((nuint)(Floats * sizeof(float)), 64);
        new Span<float>(_buffer, (int)Floats).Fill(1f);
    }

    /// <summary>The faster of two passes over the buffer, in GB/s (10^9 bytes).</summary>
    /// <exception cref="ObjectDisposedException">After <see cref="Dispose"/>.</exception>
    public double Measure() => Math.Max(Pass(), Pass());

    private double Pass()
    {
        ObjectDisposedException.ThrowIf(_buffer is null, this);
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
        if (_buffer is not null)
        {
            NativeMemory.AlignedFree(_buffer);
            _buffer = null;
        }
    }
}
