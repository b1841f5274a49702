namespace VisionZip.Models.Language.MatVec;

/// <summary>
/// Splits the output rows of a matrix-vector product over the cores: each chunk streams its own rows of the
/// weight matrix, so the cores share the memory bandwidth without sharing any output.
/// </summary>
internal static class RowPartition
{
    // Below this many weight bytes one core finishes before a second would start (tiny test models).
    private const long SerialBytes = 256 * 1024;

    // Chunks per core: enough for load balance when another process takes a core for a while.
    private const int ChunksPerCore = 8;

    /// <summary>Runs <paramref name="rows"/> over <c>[0, rows)</c> in chunks of whole multiples of four rows.</summary>
    /// <param name="rowCount">Output rows.</param>
    /// <param name="bytesPerRow">Weight bytes of one row (decides whether to go parallel).</param>
    /// <param name="rows">Called with (first row, end row exclusive) for each chunk, possibly concurrently.</param>
    public static void Run(int rowCount, long bytesPerRow, Action<int, int> rows)
    {
        int cores = Environment.ProcessorCount;
        if (cores == 1 || rowCount * bytesPerRow <= SerialBytes)
        {
            rows(0, rowCount);
            return;
        }

        int chunks = cores * ChunksPerCore;
        int chunkRows = Math.Max(4, (rowCount + chunks - 1) / chunks + 3 & ~3);
        int chunkCount = (rowCount + chunkRows - 1) / chunkRows;
        Parallel.For(0, chunkCount, chunk =>
        {
            int start = chunk * chunkRows;
            rows(start, Math.Min(rowCount, start + chunkRows));
        });
    }
}
