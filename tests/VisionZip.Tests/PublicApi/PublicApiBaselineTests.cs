using System.Reflection;
using PublicApiGenerator;
using VisionZip.Models.Vision;
using VisionZip.Runtime;
using VisionZip.Tests.Support;

namespace VisionZip.Tests.PublicApi;

/// <summary>
/// The public surface of every library is a reviewed contract: it must equal the committed baseline
/// (<c>tests/VisionZip.Tests/PublicApi/&lt;assembly&gt;.approved.txt</c>), so each change to it shows as a diff in review.
/// </summary>
/// <remarks>
/// After an intended change, run the tests with <c>VISIONZIP_ACCEPT_API=1</c> to rewrite the baselines, and commit them.
/// A mismatch also writes <c>&lt;assembly&gt;.received.txt</c> next to the baseline for a diff tool.
/// </remarks>
public sealed class PublicApiBaselineTests
{
    public static TheoryData<string> Libraries => new()
    {
        typeof(VisionZipper).Assembly.GetName().Name!,
        typeof(TorchRuntime).Assembly.GetName().Name!,
        typeof(VisionTower).Assembly.GetName().Name!,
        typeof(VisionZip.Extensions.AI.VisionZipChatClient).Assembly.GetName().Name!,
        typeof(VisionZip.Server.VisionZipServer).Assembly.GetName().Name!,
    };

    [Theory]
    [MemberData(nameof(Libraries))]
    public void Public_api_equals_the_committed_baseline(string assemblyName)
    {
        var assembly = Assembly.Load(assemblyName);
        string actual = Normalise(assembly.GeneratePublicApi(new ApiGeneratorOptions { IncludeAssemblyAttributes = false }));
        string directory = Path.Combine(Path.GetDirectoryName(Fixtures.Root)!, "VisionZip.Tests", "PublicApi");
        string approvedPath = Path.Combine(directory, $"{assemblyName}.approved.txt");
        string receivedPath = Path.Combine(directory, $"{assemblyName}.received.txt");

        if (Environment.GetEnvironmentVariable("VISIONZIP_ACCEPT_API") == "1")
        {
            File.WriteAllText(approvedPath, actual);
            File.Delete(receivedPath);
            return;
        }

        Assert.True(File.Exists(approvedPath), $"no baseline {approvedPath}; run the tests with VISIONZIP_ACCEPT_API=1 and commit it");
        string approved = Normalise(File.ReadAllText(approvedPath));
        if (approved != actual)
        {
            File.WriteAllText(receivedPath, actual);
            string firstDifference = FirstDifference(approved, actual);
            Assert.Fail($"the public API of {assemblyName} differs from {approvedPath} (received: {receivedPath}); first difference:\n" +
                $"{firstDifference}\nIf the change is intended, run with VISIONZIP_ACCEPT_API=1 and commit the baseline.");
        }

        File.Delete(receivedPath);
    }

    private static string Normalise(string text) => text.Replace("\r\n", "\n", StringComparison.Ordinal).TrimEnd() + "\n";

    private static string FirstDifference(string approved, string actual)
    {
        string[] a = approved.Split('\n');
        string[] b = actual.Split('\n');
        for (int i = 0; i < Math.Max(a.Length, b.Length); i++)
        {
            string left = i < a.Length ? a[i] : "<end>";
            string right = i < b.Length ? b[i] : "<end>";
            if (left != right)
            {
                return $"line {i + 1}:\n- {left}\n+ {right}";
            }
        }

        return "(whitespace only)";
    }
}
