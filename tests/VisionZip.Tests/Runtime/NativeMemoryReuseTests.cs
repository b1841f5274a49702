using VisionZip.Runtime;

namespace VisionZip.Tests.Runtime;

/// <summary>
/// <see cref="NativeMemoryReuse"/> takes effect on glibc (this project's CI) and a second call keeps it. Its effect on
/// speed is measured, not tested here (docs/benchmarks-decode.md: an int8 prefill no longer page-faults a fresh
/// dequantised matrix per projection); the allocator settings are process-wide, so this stays enabled for the rest of
/// the test run, as in the visionzip tool.
/// </summary>
public sealed class NativeMemoryReuseTests
{
    [Fact]
    public void Takes_effect_on_glibc_and_is_idempotent()
    {
        Assert.True(OperatingSystem.IsLinux(), "this project's CI runs on Linux with glibc");
        Assert.True(NativeMemoryReuse.Enable(), "mallopt refused the settings");
        Assert.True(NativeMemoryReuse.Enable() && NativeMemoryReuse.IsEnabled, "a second call keeps it enabled");
    }
}
