using VisionZip.Runtime;

namespace VisionZip.Tests.Runtime;

/// <summary>
/// <see cref="OpenMpWaitPolicy"/>: the default is applied only when the process has no policy, and a policy already
/// set is never overwritten. (The process environment is shared by every test: the LLamaSharp comparison's tests
/// remove the variable again for llama.cpp, so both branches are checked from whatever state this test finds.)
/// </summary>
public sealed class OpenMpWaitPolicyTests
{
    public OpenMpWaitPolicyTests() => TorchRuntime.EnsureLoaded();

    [Fact]
    public void Applies_the_default_only_when_unset_and_keeps_an_existing_policy()
    {
        Assert.True(OperatingSystem.IsLinux(), "this project's CI runs on Linux");
        if (string.IsNullOrEmpty(OpenMpWaitPolicy.Current))
        {
            Assert.True(OpenMpWaitPolicy.ApplyDefault(), "unset, but the default was not applied");
            Assert.Equal(OpenMpWaitPolicy.Default, OpenMpWaitPolicy.Current);
        }

        string? current = OpenMpWaitPolicy.Current;
        Assert.False(string.IsNullOrEmpty(current));
        Assert.False(OpenMpWaitPolicy.ApplyDefault(), "an existing policy must not be overwritten");
        Assert.Equal(current, OpenMpWaitPolicy.Current);
    }
}
