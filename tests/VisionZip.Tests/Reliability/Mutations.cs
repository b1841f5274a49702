using System.Text;
using System.Text.Json.Nodes;
using CsCheck;

namespace VisionZip.Tests.Reliability;

/// <summary>Input generators: byte-level mutations of seed files, JSON-aware mutations of seed documents, random bytes.</summary>
internal static class Mutations
{
    private static readonly byte[] Interesting = [0, 1, 0x7F, 0x80, 0xFF, (byte)'"', (byte)'{', (byte)'}', (byte)'[', (byte)']', (byte)',', (byte)':', (byte)'-', (byte)'9', (byte)'0', (byte)'\\', (byte)'e'];

    private static readonly string[] InterestingJson =
    [
        "null", "0", "-1", "1", "2", "3", "1.5", "-0.0", "1e308", "-1e308", "1e12", "1000000000000", "2147483648", "-2147483649",
        "100000", "8000", "65536", "true", "false", "\"\"", "\"x\"", "\"\\u0000\"", "\"clip_vision_model\"", "\"llama\"", "\"qwen2\"", "\"llava\"",
        "[]", "[0]", "[1,2]", "[[336,672],[100000,100000]]", "{}", "{\"height\":8000,\"width\":8000}", "{\"shortest_edge\":0}",
        "{\"shortest_edge\":2000000000}", "[0.5,0.5]", "[0,0,0]",
    ];

    /// <summary>1 to 8 byte-level edits (flip, set, insert, delete, duplicate, truncate) of one of the seeds.</summary>
    public static Gen<byte[]> OfBytes(params byte[][] seeds) =>
        Gen.Select(Gen.Int[0, seeds.Length - 1], Edit.Array[1, 8]).Select(pair => Apply(seeds[pair.Item1], pair.Item2));

    /// <summary>1 to 4 replacements of a JSON value (or key) of one of the seed documents by an awkward value.</summary>
    public static Gen<byte[]> OfJson(params string[] seeds) =>
        Gen.Select(Gen.Int[0, seeds.Length - 1], Gen.Select(Gen.Int[0, int.MaxValue], Gen.Int[0, InterestingJson.Length - 1]).Array[1, 4])
            .Select(pair => Encoding.UTF8.GetBytes(ReplaceValues(seeds[pair.Item1], pair.Item2)));

    /// <summary>Random bytes, 0 to <paramref name="maxLength"/> of them.</summary>
    public static Gen<byte[]> Random(int maxLength) => Gen.Byte.Array[0, maxLength];

    private static readonly Gen<(int Kind, int Position, int Length, byte Value)> Edit =
        Gen.Select(Gen.Int[0, 6], Gen.Int[0, int.MaxValue], Gen.Int[1, 64], Gen.Int[0, Interesting.Length + 255])
            .Select((kind, position, length, value) => (kind, position, length, value < Interesting.Length ? Interesting[value] : (byte)(value - Interesting.Length)));

    private static byte[] Apply(byte[] seed, (int Kind, int Position, int Length, byte Value)[] edits)
    {
        var bytes = new List<byte>(seed);
        foreach (var (kind, position, length, value) in edits)
        {
            int at = bytes.Count == 0 ? 0 : position % bytes.Count;
            int span = Math.Min(length, bytes.Count - at);
            switch (kind)
            {
                case 0 when bytes.Count > 0:
                    bytes[at] ^= (byte)(1 << (position % 8));
                    break;
                case 1 when bytes.Count > 0:
                    bytes[at] = value;
                    break;
                case 2:
                    bytes.InsertRange(at, Enumerable.Repeat(value, length));
                    break;
                case 3 when span > 0:
                    bytes.RemoveRange(at, span);
                    break;
                case 4 when span > 0:
                    bytes.InsertRange(at, bytes.GetRange(at, span));
                    break;
                case 5:
                    bytes.RemoveRange(at, bytes.Count - at);
                    break;
                case 6 when bytes.Count > 0:
                    bytes[at] = (byte)'9'; // digits grow numbers: lengths, offsets, sizes
                    break;
            }
        }

        return [.. bytes];
    }

    private static string ReplaceValues(string json, (int Where, int What)[] replacements)
    {
        var root = JsonNode.Parse(json)!;
        foreach (var (where, what) in replacements)
        {
            var nodes = Descendants(root).ToList();
            if (nodes.Count == 0)
            {
                break;
            }

            var target = nodes[where % nodes.Count];
            var replacement = JsonNode.Parse(InterestingJson[what]);
            switch (target.Parent)
            {
                case JsonObject parent:
                    parent[target.GetPropertyName()] = replacement;
                    break;
                case JsonArray array:
                    array[target.GetElementIndex()] = replacement;
                    break;
            }
        }

        return root.ToJsonString();
    }

    private static IEnumerable<JsonNode> Descendants(JsonNode node)
    {
        IEnumerable<JsonNode?> children = node switch
        {
            JsonObject obj => obj.Select(p => p.Value),
            JsonArray array => array,
            _ => [],
        };
        foreach (var child in children)
        {
            if (child is null)
            {
                continue;
            }

            yield return child;
            foreach (var grandchild in Descendants(child))
            {
                yield return grandchild;
            }
        }
    }
}
