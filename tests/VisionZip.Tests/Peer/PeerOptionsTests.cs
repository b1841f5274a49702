using VisionZip.Benchmarks.Peer;

namespace VisionZip.Tests.Peer;

/// <summary>The peer benchmark's options: the full-depth selection parses, bad values are named.</summary>
public sealed class PeerOptionsTests
{
    [Fact]
    public void TheFullDepthSelectionParses()
    {
        var options = PeerOptions.Parse(["--llm-layers", "full", "--formats", "llama-q4_k_m,ours-int8", "--ours", "visionzip-64", "--rounds", "2"]);
        Assert.Null(options.LlmLayers);
        Assert.Equal([PeerFormat.OursInt8, PeerFormat.LlamaQ4_K_M], options.Formats);
        Assert.Equal(["visionzip-64"], options.Ours);
        Assert.Equal(2, options.Rounds);
        Assert.Equal(128, options.DecodeTokens);
        Assert.Equal(2, PeerOptions.Parse([]).LlmLayers);
    }

    [Theory]
    [InlineData("--formats", "llama-q5", "llama-q5")]
    [InlineData("--ours", "pool", "--ours")]
    [InlineData("--rounds", "0", "--rounds")]
    [InlineData("--llm-layers", "two", "--llm-layers")]
    [InlineData("--colour", "red", "--colour")]
    public void ABadOptionIsNamed(string name, string value, string named)
    {
        var error = Assert.Throws<ArgumentException>(() => PeerOptions.Parse([name, value]));
        Assert.Contains(named, error.Message);
    }
}
