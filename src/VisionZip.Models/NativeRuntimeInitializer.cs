using System.Runtime.CompilerServices;
using VisionZip.Runtime;

namespace VisionZip.Models;

/// <summary>
/// Loads TorchSharp's native library (through the <see cref="TorchRuntime"/> shim) the first time any type of this
/// assembly is used, so model code never reaches <c>torch</c> before the shim had its chance.
/// </summary>
internal static class NativeRuntimeInitializer
{
#pragma warning disable CA2255 // A library module initializer is the point: it must run before the first torch call.
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Initialize() => TorchRuntime.InitializeOnFirstUse();
}
