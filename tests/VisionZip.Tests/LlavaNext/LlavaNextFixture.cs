using VisionZip.Tests.Llava;
using VisionZip.Tests.Support;

namespace VisionZip.Tests.LlavaNext;

/// <summary>tests/fixtures/llava-next-tiny-patch14-112-hf loaded once per test class.</summary>
public sealed class LlavaNextFixture() : LlavaCheckpointFixture("llava-next-tiny-patch14-112-hf")
{
    /// <summary>The 600x250 photo every golden of this folder was made from.</summary>
    public static string WidePhoto => Fixtures.Path("images", "coffee_wide.png");
}
