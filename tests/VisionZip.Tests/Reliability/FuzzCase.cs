using System.Security.Cryptography;

namespace VisionZip.Tests.Reliability;

/// <summary>
/// Runs one fuzz input through a target and enforces the property: the target returns, or throws one of the exception
/// types it is allowed to (the library's named errors, or the documented ones of readers that still use them); never
/// another exception, never longer than <see cref="Timeout"/>, never more managed allocation than <see cref="MaxManagedBytes"/>.
/// A failing input is saved under <see cref="FailuresDirectory"/> so it can be added to the corpus.
/// </summary>
internal static class FuzzCase
{
    /// <summary>Wall-clock limit per input (generous: the CI box is a shared 2-core machine).</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    /// <summary>Managed bytes one input may allocate (the inputs are at most a few hundred KB).</summary>
    public const long MaxManagedBytes = 256L << 20;

    /// <summary>Where failing inputs are written: <c>$TMP/visionzip-fuzz-failures/TARGET/HASH.bin</c>.</summary>
    public static string FailuresDirectory => Path.Combine(Path.GetTempPath(), "visionzip-fuzz-failures");

    public static void Run(FuzzTarget target, byte[] input)
    {
        Exception? unexpected = null;
        long allocated = 0;
        var work = Task.Run(() =>
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                target.Run(input);
            }
            catch (Exception e) when (target.Accepts(e))
            {
                // A named, documented refusal: the property holds.
            }
            catch (Exception e)
            {
                unexpected = e;
            }

            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        });

        string? problem = null;
        if (!work.Wait(Timeout))
        {
            problem = $"did not finish within {Timeout.TotalSeconds} s";
        }
        else if (unexpected is not null)
        {
            problem = $"threw {unexpected.GetType().FullName}: {unexpected.Message}\n{unexpected.StackTrace}";
        }
        else if (allocated > MaxManagedBytes)
        {
            problem = $"allocated {allocated} managed bytes (limit {MaxManagedBytes})";
        }

        if (problem is not null)
        {
            string saved = Save(target.Name, input);
            throw new Xunit.Sdk.XunitException($"fuzz target '{target.Name}' {problem}\ninput ({input.Length} bytes) saved to {saved}");
        }
    }

    private static string Save(string target, byte[] input)
    {
        string directory = Path.Combine(FailuresDirectory, target);
        Directory.CreateDirectory(directory);
        string path = Path.Combine(directory, Convert.ToHexString(SHA256.HashData(input))[..16].ToLowerInvariant() + ".bin");
        File.WriteAllBytes(path, input);
        return path;
    }
}

/// <summary>A parser under fuzz: runs one input; <see cref="Accepts"/> says which exceptions are a valid refusal.</summary>
internal sealed record FuzzTarget(string Name, Action<byte[]> Run, Func<Exception, bool> Accepts);
