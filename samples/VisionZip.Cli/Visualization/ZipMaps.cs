namespace VisionZip.Cli.Visualization;

/// <summary>Per-patch lookups derived once from a <see cref="ZipVisualization"/>.</summary>
internal sealed class ZipMaps
{
    private readonly int[] _group;      // per patch: -1 dominant, else contextual group
    private readonly bool[] _dominant;  // per patch
    private readonly double[] _score;   // per patch
    private readonly double[] _rank;    // per patch: 0 = lowest score, 1 = highest

    public ZipMaps(ZipVisualization v)
    {
        Grid = v.Grid;
        int offset = Grid.HasCls ? 1 : 0;
        _group = new int[Grid.Patches];
        _dominant = new bool[Grid.Patches];
        _score = new double[Grid.Patches];
        for (int patch = 0; patch < Grid.Patches; patch++)
        {
            _group[patch] = (int)v.Assignment[patch + offset];
            _score[patch] = v.Scores[patch + offset];
        }

        foreach (long token in v.KeptIndices)
        {
            if (token >= offset)
            {
                _dominant[token - offset] = true;
                _group[token - offset] = -1;
                DominantPatches++;
            }
        }

        MergedPatches = Grid.Patches - DominantPatches;

        var targets = new List<(int, int, int)>();
        for (int group = 0; group < v.ContextualTargets.Count; group++)
        {
            long patch = v.ContextualTargets[group] - offset;
            if (patch >= 0)
            {
                targets.Add((group, (int)(patch / Grid.Columns), (int)(patch % Grid.Columns)));
            }
        }

        Targets = targets;
        _rank = new double[Grid.Patches];
        int[] order = Enumerable.Range(0, Grid.Patches).OrderBy(p => double.IsFinite(_score[p]) ? _score[p] : double.NegativeInfinity).ToArray();
        for (int i = 0; i < order.Length; i++)
        {
            _rank[order[i]] = order.Length == 1 ? 1 : (double)i / (order.Length - 1);
        }

        var finite = _score.Where(double.IsFinite).ToArray();
        ScoreRange = finite.Length == 0 ? (0, 1) : (finite.Min(), finite.Max());
    }

    public PatchGrid Grid { get; }

    /// <summary>Dominant tokens that are patches (CLS excluded).</summary>
    public int DominantPatches { get; }

    /// <summary>Patches that are not dominant (merged into contextual tokens, or dropped when there are none).</summary>
    public int MergedPatches { get; }

    /// <summary>(group, row, column) of every contextual target.</summary>
    public IReadOnlyList<(int Group, int Row, int Column)> Targets { get; }

    /// <summary>Smallest and largest finite patch score.</summary>
    public (double Low, double High) ScoreRange { get; }

    public bool IsDominant(int row, int column) =>
        row >= 0 && column >= 0 && row < Grid.Rows && column < Grid.Columns && _dominant[row * Grid.Columns + column];

    public int GroupOf(int row, int column) => _group[row * Grid.Columns + column];

    /// <summary>Rank of the patch's score in [0, 1] (0 = lowest, 1 = highest).</summary>
    public double RankOf(int row, int column) => _rank[row * Grid.Columns + column];
}
