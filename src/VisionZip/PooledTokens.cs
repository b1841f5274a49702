using TorchSharp;
using static TorchSharp.torch;

namespace VisionZip;

/// <summary>What <see cref="SpatialPoolReducer"/> returns: the pooled cells in row-major order and the grid they came from.</summary>
public sealed class PooledTokens : TokenReduction
{
    internal PooledTokens(Tensor tokens, int inputTokens, PoolGrid grid, bool hasCls) : base(tokens, inputTokens)
    {
        Grid = grid;
        HasCls = hasCls;
    }

    /// <summary>The patch grid and the pooled rows x cols.</summary>
    public PoolGrid Grid { get; }

    /// <summary>True when input token 0 was CLS (left out of the pooling).</summary>
    public bool HasCls { get; }

    /// <summary>Cells per column of the pooled grid.</summary>
    public int Rows => Grid.Rows;

    /// <summary>Cells per row of the pooled grid.</summary>
    public int Cols => Grid.Cols;

    /// <summary>[B, rows * cols, N] bool: cell (r, c) drew from the patches of its window (never from CLS).</summary>
    public override Tensor Membership()
    {
        int offset = HasCls ? 1 : 0;
        var mask = new bool[Grid.Count * InputTokens];
        for (int r = 0; r < Grid.Rows; r++)
        {
            var (rowStart, rowEnd) = Grid.Window(r, Grid.Rows);
            for (int c = 0; c < Grid.Cols; c++)
            {
                var (colStart, colEnd) = Grid.Window(c, Grid.Cols);
                int cell = r * Grid.Cols + c;
                for (int y = rowStart; y < rowEnd; y++)
                {
                    for (int x = colStart; x < colEnd; x++)
                    {
                        mask[cell * InputTokens + offset + y * Grid.Side + x] = true;
                    }
                }
            }
        }

        using var scope = torch.NewDisposeScope();
        var single = torch.tensor(mask, [1, Grid.Count, InputTokens], device: Tokens.device);
        return single.expand(Batch, Grid.Count, InputTokens).contiguous().MoveToOuterDisposeScope();
    }
}
