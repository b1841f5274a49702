using System.Security.Cryptography;

namespace VisionZip.Models.Tuning;

/// <summary>
/// A cheap identity of a checkpoint directory that an adapter is tied to: SHA-256 over <c>config.json</c>, and for every
/// <c>*.safetensors</c> file (by name order) its header (tensor names, dtypes, shapes, offsets) and three 64 KiB samples of
/// its data (start, middle, end). Reads well under a megabyte whatever the checkpoint's size.
/// </summary>
/// <remarks>
/// Two checkpoints with the same layout but other values almost surely differ in the sampled bytes; a re-sharded or
/// re-typed copy of the same weights gets another fingerprint (the adapter must then be applied with the check off).
/// </remarks>
public static class CheckpointFingerprint
{
    private const int SampleBytes = 64 * 1024;

    /// <summary>The fingerprint as lower-case hex.</summary>
    /// <param name="directory">The checkpoint directory.</param>
    /// <exception cref="FileNotFoundException">The directory has no config.json.</exception>
    public static string Compute(string directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(File.ReadAllBytes(Path.Combine(directory, "config.json")));
        foreach (string file in Directory.GetFiles(directory, "*.safetensors").Order(StringComparer.Ordinal))
        {
            using var stream = File.OpenRead(file);
            hash.AppendData(System.Text.Encoding.UTF8.GetBytes(Path.GetFileName(file)));
            var lengthBytes = new byte[8];
            stream.ReadExactly(lengthBytes);
            long headerLength = Math.Min(BitConverter.ToInt64(lengthBytes), Math.Max(0, stream.Length - 8));
            hash.AppendData(lengthBytes);
            foreach (long offset in new[] { 8L, 8 + headerLength, 8 + headerLength + (stream.Length - 8 - headerLength) / 2, stream.Length - SampleBytes })
            {
                long start = Math.Clamp(offset, 0, stream.Length);
                int count = (int)Math.Min(offset == 8 ? headerLength : SampleBytes, stream.Length - start);
                var buffer = new byte[Math.Max(0, count)];
                stream.Position = start;
                stream.ReadExactly(buffer);
                hash.AppendData(buffer);
            }
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
