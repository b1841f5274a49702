using VisionZip.Runtime;

namespace VisionZip.Tests.Runtime;

/// <summary>
/// <see cref="OpenMpWaitPolicy"/>: once the runtime has loaded, the process has a wait policy (PASSIVE unless the
/// environment chose one), and a policy already set is never overwritten.
/// </summary>
public sealed class OpenMpWaitPolicyTests
{
    public OpenMpWaitPolicyTests() => TorchRuntime.EnsureLoaded();

    [Fact]
    public void The_process_has_a_policy_after_loading_and_an_existing_one_is_kept()
    {
        string? current = OpenMpWaitPolicy.Current;
        Assert.False(string.IsNullOrEmpty(current), "OMP_WAIT_POLICY is unset after TorchRuntime loaded");
        Assert.False(OpenMpWaitPolicy.ApplyDefault(), "a second application must not overwrite the policy");
        Assert.Equal(current, OpenMpWaitPolicy.Current);
        if (TorchRuntime.Diagnostics.Any(note => note.StartsWith("OMP_WAIT_POLICY was unset", StringComparison.Ordinal)))
        {
            Assert.Equal(OpenMpWaitPolicy.Default, current);
        }
    }
}
