using VisionZip.Extensions.AI;

namespace VisionZip.Tests.Chat;

public class StopTextFilterTests
{
    private static (string Emitted, List<string> Pieces) Run(string[] stops, params string[] pieces)
    {
        var filter = new StopTextFilter(stops);
        var emitted = pieces.Select(filter.Append).ToList();
        emitted.Add(filter.Flush());
        return (string.Concat(emitted), emitted);
    }

    [Fact]
    public void The_stop_text_and_everything_after_it_are_cut()
    {
        var (text, _) = Run(["END"], "Hello ", "wor", "ld END and more");
        Assert.Equal("Hello world ", text);
    }

    [Fact]
    public void A_stop_split_across_pieces_is_never_emitted_in_part()
    {
        var (text, pieces) = Run(["</s>", "###"], "abc<", "/", "s", ">tail");
        Assert.Equal("abc", text);
        Assert.All(pieces, p => Assert.DoesNotContain("<", p));
    }

    [Fact]
    public void A_held_back_prefix_that_never_completes_is_emitted_in_order()
    {
        var (text, pieces) = Run(["STOP"], "a S", "T", "x", "ST");
        Assert.Equal("a STxST", text);
        Assert.Equal("a ", pieces[0]);                          // "ST" may still become STOP: held back
        Assert.Equal("ST", pieces[^1]);                         // flushed at the end
    }

    [Fact]
    public void The_earliest_of_several_stops_wins()
    {
        var (text, _) = Run(["cd", "b"], "abcd");
        Assert.Equal("a", text);
    }

    [Fact]
    public void Without_stops_everything_passes_through()
    {
        var (text, pieces) = Run([], "a", "b");
        Assert.Equal("ab", text);
        Assert.Equal(["a", "b", ""], pieces);
    }
}
