namespace VisionZip.Models.Imaging;

/// <summary>
/// A processor's <c>size</c> / <c>crop_size</c> dictionary: either <c>{"shortest_edge": n}</c> or
/// <c>{"height": h, "width": w}</c> (transformers' <c>get_size_dict</c> result).
/// </summary>
public readonly record struct ProcessorSize
{
    private ProcessorSize(int? shortestEdge, int? height, int? width)
    {
        ShortestEdge = shortestEdge;
        Height = height;
        Width = width;
    }

    /// <summary><c>shortest_edge</c>, when this is a shortest-edge size.</summary>
    public int? ShortestEdge { get; }

    /// <summary><c>height</c>, when this is an exact size.</summary>
    public int? Height { get; }

    /// <summary><c>width</c>, when this is an exact size.</summary>
    public int? Width { get; }

    /// <summary>Whether this is <c>{"height", "width"}</c>.</summary>
    public bool IsExact => Height is not null && Width is not null;

    /// <summary><c>{"shortest_edge": n}</c>.</summary>
    public static ProcessorSize ShortestEdgeOf(int shortestEdge)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(shortestEdge, 1);
        return new(shortestEdge, null, null);
    }

    /// <summary><c>{"height": h, "width": w}</c>.</summary>
    public static ProcessorSize Exact(int height, int width)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        return new(null, height, width);
    }

    /// <inheritdoc />
    public override string ToString() => IsExact
        ? $"{{\"height\": {Height}, \"width\": {Width}}}"
        : $"{{\"shortest_edge\": {ShortestEdge}}}";
}
