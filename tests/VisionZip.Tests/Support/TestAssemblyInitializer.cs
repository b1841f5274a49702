using System.Runtime.CompilerServices;
using VisionZip.Runtime;

namespace VisionZip.Tests.Support;

internal static class TestAssemblyInitializer
{
    // Tests that call torch before touching any VisionZip type would otherwise miss the native shim.
    [ModuleInitializer]
    internal static void LoadTorch() => TorchRuntime.EnsureLoaded();
}
