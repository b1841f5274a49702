using VisionZip.Runtime;
using VisionZip.Tests.Support;

namespace VisionZip.Tests.Reliability;

/// <summary>
/// Replays every input that ever broke a fuzz target: <c>Reliability/FuzzCorpus/TARGET/*.bin</c> (copy new ones there
/// from <see cref="FuzzCase.FailuresDirectory"/> once fixed). Each must now satisfy the fuzz property.
/// </summary>
public class FuzzCorpusTests
{
    public FuzzCorpusTests() => TorchRuntime.EnsureLoaded();

    // Read from the source tree (next to tests/fixtures), so a new case needs no project change.
    private static string CorpusDirectory => Path.GetFullPath(Path.Combine(Fixtures.Root, "..", "VisionZip.Tests", "Reliability", "FuzzCorpus"));

    public static TheoryData<string, string> Cases()
    {
        var cases = new TheoryData<string, string>();
        foreach (string directory in Directory.GetDirectories(CorpusDirectory).Order(StringComparer.Ordinal))
        {
            foreach (string file in Directory.GetFiles(directory, "*.bin").Order(StringComparer.Ordinal))
            {
                cases.Add(Path.GetFileName(directory), Path.GetFileName(file));
            }
        }

        return cases;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Corpus_input_is_refused_cleanly(string target, string file)
    {
        Assert.True(FuzzTargets.All.TryGetValue(target, out var fuzzTarget), $"corpus folder '{target}' names no fuzz target");
        FuzzCase.Run(fuzzTarget, File.ReadAllBytes(Path.Combine(CorpusDirectory, target, file)));
    }

    [Fact]
    public void Every_corpus_folder_names_a_target()
    {
        foreach (string directory in Directory.GetDirectories(CorpusDirectory))
        {
            Assert.Contains(Path.GetFileName(directory), FuzzTargets.All.Keys);
        }
    }
}
