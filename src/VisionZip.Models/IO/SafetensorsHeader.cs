using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Unicode;

namespace VisionZip.Models.IO;

/// <summary>Parses and validates a safetensors JSON header (trusting nothing in it), and serialises one for the writer.</summary>
internal static class SafetensorsHeader
{
    /// <summary>The reserved header key holding string metadata.</summary>
    public const string MetadataKey = "__metadata__";

    /// <summary>Most dimensions a tensor may have (model weights have at most 5; torch itself stops near 64).</summary>
    public const int MaxRank = 32;

    public static (Dictionary<string, SafetensorsTensorInfo> Tensors, Dictionary<string, string> Metadata) Parse(
        string path, byte[] header, long dataLength)
    {
        if (!Utf8.IsValid(header))
        {
            throw SafetensorsFile.Invalid(path, null, "header is not valid UTF-8");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(header);
        }
        catch (JsonException e)
        {
            throw SafetensorsFile.Invalid(path, null, $"header is not valid JSON ({e.Message})");
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw SafetensorsFile.Invalid(path, null, $"header must be a JSON object, found {document.RootElement.ValueKind}");
            }

            var tensors = new Dictionary<string, SafetensorsTensorInfo>(StringComparer.Ordinal);
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (property.Name == MetadataKey)
                {
                    ParseMetadata(path, property.Value, metadata);
                }
                else if (!tensors.TryAdd(property.Name, ParseTensor(path, property.Name, property.Value, dataLength)))
                {
                    throw SafetensorsFile.Invalid(path, property.Name, "appears twice in the header");
                }
            }

            CheckContiguous(path, tensors.Values, dataLength);
            return (tensors, metadata);
        }
    }

    private static void ParseMetadata(string path, JsonElement element, Dictionary<string, string> metadata)
    {
        if (element.ValueKind == JsonValueKind.Null)
        {
            return;
        }

        if (element.ValueKind != JsonValueKind.Object)
        {
            throw SafetensorsFile.Invalid(path, null, $"__metadata__ must be an object of strings, found {element.ValueKind}");
        }

        foreach (var entry in element.EnumerateObject())
        {
            if (entry.Value.ValueKind != JsonValueKind.String)
            {
                throw SafetensorsFile.Invalid(path, null, $"__metadata__ value '{entry.Name}' is not a string");
            }

            metadata[entry.Name] = entry.Value.GetString()!;
        }
    }

    private static SafetensorsTensorInfo ParseTensor(string path, string name, JsonElement element, long dataLength)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw SafetensorsFile.Invalid(path, name, "entry must be an object with dtype, shape and data_offsets");
        }

        if (!element.TryGetProperty("dtype", out var dtypeElement) || dtypeElement.ValueKind != JsonValueKind.String)
        {
            throw SafetensorsFile.Invalid(path, name, "missing or non-string 'dtype'");
        }

        string dtype = dtypeElement.GetString()!;
        if (!SafetensorsDType.TryParse(dtype, out var type, out int elementSize))
        {
            throw SafetensorsFile.Invalid(path, name, $"unknown dtype '{dtype}' (supported: {string.Join(", ", SafetensorsDType.Supported)})");
        }

        long[] shape = ReadIntegers(path, name, element, "shape", expectedCount: null);
        if (shape.Length > MaxRank)
        {
            throw SafetensorsFile.Invalid(path, name, $"shape has {shape.Length} dimensions; at most {MaxRank} are supported");
        }

        long[] offsets = ReadIntegers(path, name, element, "data_offsets", expectedCount: 2);
        long elements = 1;
        foreach (long dimension in shape)
        {
            try
            {
                elements = checked(elements * dimension);
            }
            catch (OverflowException)
            {
                throw SafetensorsFile.Invalid(path, name, $"shape [{string.Join(", ", shape)}] has more elements than fit in 64 bits");
            }
        }

        long bytes;
        try
        {
            bytes = checked(elements * elementSize);
        }
        catch (OverflowException)
        {
            throw SafetensorsFile.Invalid(path, name, $"shape [{string.Join(", ", shape)}] x {elementSize} bytes overflows 64 bits");
        }

        var (begin, end) = (offsets[0], offsets[1]);
        if (begin > end || end > dataLength)
        {
            throw SafetensorsFile.Invalid(path, name, $"data_offsets [{begin}, {end}] are out of range (data section has {dataLength} bytes)");
        }

        if (end - begin != bytes)
        {
            throw SafetensorsFile.Invalid(path, name,
                $"data_offsets [{begin}, {end}] span {end - begin} bytes but shape [{string.Join(", ", shape)}] of {dtype} needs {bytes}");
        }

        return new SafetensorsTensorInfo(name, dtype, type, shape, begin, end);
    }

    private static long[] ReadIntegers(string path, string name, JsonElement element, string property, int? expectedCount)
    {
        if (!element.TryGetProperty(property, out var array) || array.ValueKind != JsonValueKind.Array)
        {
            throw SafetensorsFile.Invalid(path, name, $"missing or non-array '{property}'");
        }

        var values = new List<long>();
        foreach (var item in array.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt64(out long value) || value < 0)
            {
                throw SafetensorsFile.Invalid(path, name, $"'{property}' must hold non-negative integers, found {item.GetRawText()}");
            }

            values.Add(value);
        }

        if (expectedCount is { } count && values.Count != count)
        {
            throw SafetensorsFile.Invalid(path, name, $"'{property}' must have {count} entries, found {values.Count}");
        }

        return values.ToArray();
    }

    private static void CheckContiguous(string path, IEnumerable<SafetensorsTensorInfo> tensors, long dataLength)
    {
        long cursor = 0;
        string? previous = null;
        foreach (var info in tensors.OrderBy(t => t.Begin).ThenBy(t => t.End))
        {
            if (info.Begin < cursor)
            {
                throw SafetensorsFile.Invalid(path, info.Name, $"data_offsets [{info.Begin}, {info.End}] overlap tensor '{previous}' (which ends at {cursor})");
            }

            if (info.Begin > cursor)
            {
                throw SafetensorsFile.Invalid(path, info.Name, $"gap of {info.Begin - cursor} unused bytes before data_offsets [{info.Begin}, {info.End}]");
            }

            cursor = info.End;
            previous = info.Name;
        }

        if (cursor != dataLength)
        {
            throw SafetensorsFile.Invalid(path, previous,
                $"tensors cover {cursor} bytes of a {dataLength}-byte data section ({dataLength - cursor} trailing bytes unaccounted for)");
        }
    }

    /// <summary>
    /// The header bytes for these entries (in data order), padded with spaces to a multiple of 8 bytes
    /// as the reference implementation does, so the data section starts 8-byte aligned.
    /// </summary>
    public static byte[] Serialize(IReadOnlyList<SafetensorsTensorInfo> entries, IReadOnlyDictionary<string, string>? metadata)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var options = new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
        using (var writer = new Utf8JsonWriter(buffer, options))
        {
            writer.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                writer.WriteStartObject(MetadataKey);
                foreach (var (key, value) in metadata.OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    writer.WriteString(key, value);
                }

                writer.WriteEndObject();
            }

            foreach (var entry in entries)
            {
                writer.WriteStartObject(entry.Name);
                writer.WriteString("dtype", entry.DType);
                writer.WriteStartArray("shape");
                foreach (long dimension in entry.Shape)
                {
                    writer.WriteNumberValue(dimension);
                }

                writer.WriteEndArray();
                writer.WriteStartArray("data_offsets");
                writer.WriteNumberValue(entry.Begin);
                writer.WriteNumberValue(entry.End);
                writer.WriteEndArray();
                writer.WriteEndObject();
            }

            writer.WriteEndObject();
        }

        int padded = checked((buffer.WrittenCount + 7) / 8 * 8);
        var header = new byte[padded];
        buffer.WrittenSpan.CopyTo(header);
        header.AsSpan(buffer.WrittenCount).Fill((byte)' ');
        return header;
    }
}
