using VisionZip.Models;
using VisionZip.Models.Checkpoints;
using VisionZip.Tests.Support;

namespace VisionZip.Tests.Facade;

/// <summary>The facade loads a checkpoint in one pass: each file of the directory is read once.</summary>
public sealed class FacadeLoadsOnceTests
{
    public static TheoryData<string> Folders => new()
    {
        "clip-vit-tiny-patch14-336", "siglip-tiny-patch14-384", "llama-tiny", "qwen2-tiny",
        "llava-1.5-tiny-hf", "llava-interleave-qwen-tiny-hf", "llava-next-tiny-patch14-112-hf",
    };

    [Theory]
    [MemberData(nameof(Folders))]
    public void Every_file_is_read_once_per_load(string folder)
    {
        using var files = CheckpointDirectory.Open(Fixtures.Path(folder));
        using var model = VisionLanguageModel.Load(files);

        Assert.NotEmpty(files.FileReads);
        Assert.Contains("config.json", files.FileReads.Keys);
        Assert.All(files.FileReads, read => Assert.True(read.Value == 1, $"{folder}/{read.Key} was read {read.Value} times"));
    }
}
