using TorchSharp;
using VisionZip.Models.IO;
using VisionZip.Runtime;
using VisionZip.Tests.Support;

namespace VisionZip.Tests.Runtime;

public class TorchRuntimeTests
{
    [Fact]
    public void Torch_works_after_the_shim()
    {
        TorchRuntime.EnsureLoaded();
        using var sum = torch.arange(1, 5, dtype: torch.float32).sum();
        Assert.Equal(10f, sum.item<float>());
    }

    [Fact]
    public void Patcher_marks_only_the_named_version_weak()
    {
        string library = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        Assert.True(File.Exists(library), $"{library} missing");
        byte[] bytes = File.ReadAllBytes(library);
        byte[] copy = (byte[])bytes.Clone();

        Assert.Equal(1, ElfVersionPatcher.MarkVersionWeak(copy, TorchRuntime.MissingVersion, library));
        Assert.Equal(0, ElfVersionPatcher.MarkVersionWeak(copy, TorchRuntime.MissingVersion, library));
        int changed = bytes.Zip(copy).Count(p => p.First != p.Second);
        Assert.Equal(1, changed);
    }

    [Fact]
    public void Patcher_rejects_a_file_that_is_not_elf()
    {
        var error = Assert.Throws<InvalidDataException>(() => ElfVersionPatcher.MarkVersionWeak(new byte[100], "X", "bogus.so"));
        Assert.Contains("bogus.so", error.Message);
    }

    [Fact]
    public void Fixture_checkpoint_reads()
    {
        using var checkpoint = SafetensorsCheckpoint.Open(Fixtures.Path("llava-1.5-tiny-hf"));
        Assert.Contains("multi_modal_projector.linear_1.weight", checkpoint.Names);
        using var weight = checkpoint.Read("multi_modal_projector.linear_1.weight");
        Assert.Equal(2, weight.dim());
    }
}
