using VisionZip.Runtime;

namespace VisionZip.Tests.Runtime;

/// <summary>The missing-backend detection, probed over fake native directories.</summary>
public sealed class TorchBackendProbeTests : IDisposable
{
    private readonly DirectoryInfo _root = System.IO.Directory.CreateTempSubdirectory("visionzip-probe-");

    public void Dispose() => _root.Delete(recursive: true);

    private string FakeDirectory(string name, params string[] files)
    {
        string path = Path.Combine(_root.FullName, name);
        System.IO.Directory.CreateDirectory(path);
        foreach (string file in files)
        {
            File.WriteAllBytes(Path.Combine(path, file), [0x7f, (byte)'E', (byte)'L', (byte)'F']);
        }

        return path;
    }

    [Fact]
    public void Only_the_bridge_names_the_backend_package_to_add()
    {
        string torchSharp = FakeDirectory("torchsharp", "libLibTorchSharp.so");
        string app = FakeDirectory("app", "libSkiaSharp.so");

        string? message = TorchBackendProbe.MissingBackendMessage([app, torchSharp], Path.Combine(torchSharp, "libLibTorchSharp.so"));

        Assert.NotNull(message);
        Assert.Contains("TorchSharp-cpu", message);
        Assert.Contains("TorchSharp-cuda-linux", message);
        Assert.Contains("libLibTorchSharp.so", message);
        Assert.DoesNotContain("GLIBCXX", message);
    }

    [Fact]
    public void A_backend_in_any_searched_directory_is_no_missing_backend()
    {
        string torchSharp = FakeDirectory("torchsharp", "libLibTorchSharp.so");
        string libtorch = FakeDirectory("libtorch", "libtorch_cpu.so", "libtorch.so", "libc10.so");

        Assert.Null(TorchBackendProbe.MissingBackendMessage([torchSharp, libtorch], Path.Combine(torchSharp, "libLibTorchSharp.so")));
    }

    [Fact]
    public void Directories_that_do_not_exist_count_as_holding_nothing()
    {
        string torchSharp = FakeDirectory("torchsharp", "libLibTorchSharp.so");

        Assert.NotNull(TorchBackendProbe.MissingBackendMessage([Path.Combine(_root.FullName, "absent"), torchSharp], "bridge"));
    }

    [Fact]
    public void This_test_process_has_its_backend()
    {
        // The tests reference TorchSharp-cpu: the real search directories must not be reported as missing a backend.
        string? baseLibtorch = System.IO.Directory.EnumerateFiles(AppContext.BaseDirectory, "libtorch_cpu.so", SearchOption.AllDirectories).FirstOrDefault();
        Assert.NotNull(baseLibtorch);
        Assert.Null(TorchBackendProbe.MissingBackendMessage([Path.GetDirectoryName(baseLibtorch)!], "bridge"));
    }
}
