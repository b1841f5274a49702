using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;

namespace VisionZip.Models.Llava;

/// <summary>Wall-clock stage timing that waits for queued accelerator work before reading the clock.</summary>
internal sealed class DeviceClock
{
    private readonly Device _device;
    private readonly Stopwatch _watch = Stopwatch.StartNew();
    private TimeSpan _last;

    public DeviceClock(Device device) => _device = device;

    /// <summary>Time since the previous lap (or since creation), after the device has finished.</summary>
    public TimeSpan Lap()
    {
        Synchronize(_device);
        var now = _watch.Elapsed;
        var lap = now - _last;
        _last = now;
        return lap;
    }

    /// <summary>Time since creation, after the device has finished.</summary>
    public TimeSpan Total()
    {
        Synchronize(_device);
        return _watch.Elapsed;
    }

    public static void Synchronize(Device device)
    {
        if (device.type == DeviceType.CUDA)
        {
            torch.cuda.synchronize(device);
        }
    }
}
