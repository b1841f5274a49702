using System.Text.Json;
using VisionZip.Models.Checkpoints;

namespace VisionZip.Models.Imaging;

/// <summary>
/// Reads <c>preprocessor_config.json</c> with transformers' rules: absent fields take the class defaults;
/// <c>size</c> may be an int (shortest edge), <c>[h, w]</c> or a dict; <c>crop_size</c> an int (square),
/// <c>[h, w]</c> or a dict; a JSON <c>null</c> flag is Python's falsy <c>None</c>, a null value takes the default.
/// </summary>
internal static class ImageProcessorConfigReader
{
    public const string FileName = "preprocessor_config.json";
    public const string ModelConfigFileName = "config.json";

    public static ImageProcessorConfig Load(string directoryOrFile)
    {
        ArgumentException.ThrowIfNullOrEmpty(directoryOrFile);
        string fullPath = Path.GetFullPath(directoryOrFile);
        if (Directory.Exists(fullPath))
        {
            using var directory = CheckpointDirectory.Open(fullPath);
            return Load(directory);
        }

        if (!File.Exists(fullPath))
        {
            throw new FileNotFoundException($"{FileName} not found: {fullPath}", fullPath);
        }

        string modelConfig = Path.Combine(Path.GetDirectoryName(fullPath)!, ModelConfigFileName);
        return Parse(JsonPolicy.ReadObject(fullPath, FileName), fullPath,
            () => File.Exists(modelConfig) ? JsonPolicy.ReadObject(modelConfig, ModelConfigFileName) : null, modelConfig);
    }

    /// <summary>The directory's <c>preprocessor_config.json</c> (and its <c>config.json</c> for LLaVA-NeXT pinpoints), parsed once per directory.</summary>
    public static ImageProcessorConfig Load(CheckpointDirectory directory)
    {
        string file = directory.FilePath(FileName);
        var root = directory.Json(FileName) ?? throw new FileNotFoundException($"{FileName} not found: {file}", file);
        return Parse(root, file, () => directory.Json(ModelConfigFileName), directory.FilePath(ModelConfigFileName));
    }

    public static ImageProcessorConfig Parse(string json, string source, string? modelConfigJson, string? modelConfigSource = null)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(source);
        string modelSource = modelConfigSource ?? ModelConfigFileName;
        return Parse(JsonPolicy.ParseObject(json, source), source,
            () => modelConfigJson is null ? null : JsonPolicy.ParseObject(modelConfigJson, modelSource), modelSource);
    }

    /// <param name="root">The processor config's top-level object.</param>
    /// <param name="source">The processor config file, for messages.</param>
    /// <param name="modelConfig">The model's <c>config.json</c> object, asked for only when LLaVA-NeXT pinpoints are missing.</param>
    /// <param name="modelConfigSource">That file, for messages.</param>
    private static ImageProcessorConfig Parse(JsonElement root, string source, Func<JsonElement?> modelConfig, string modelConfigSource)
    {
        var fields = new Fields(root, source);
        (string type, ImageProcessorKind kind) = ResolveType(fields);
        var defaults = ImageProcessorConfig.ForKind(kind);

        var size = fields.Size("size", squareFromInt: false) ?? defaults.Size;
        if (kind == ImageProcessorKind.Clip && fields.Bool("use_square_size", false) && size.ShortestEdge is int edge)
        {
            size = ProcessorSize.Exact(edge, edge); // CLIPImageProcessor(use_square_size=True)
        }

        var cropSize = kind == ImageProcessorKind.Siglip ? null : fields.Size("crop_size", squareFromInt: true) ?? defaults.CropSize;
        if (cropSize is { IsExact: false })
        {
            throw new InvalidDataException($"{source}: crop_size must be an int or {{\"height\", \"width\"}}, got {cropSize}");
        }

        var pinpoints = kind == ImageProcessorKind.LlavaNext
            ? fields.Pinpoints("image_grid_pinpoints") ?? ModelPinpoints(modelConfig(), modelConfigSource) ?? defaults.ImageGridPinpoints
            : fields.Pinpoints("image_grid_pinpoints");

        return defaults with
        {
            ImageProcessorType = type,
            DoResize = fields.Bool("do_resize", defaults.DoResize),
            Size = size,
            Resample = fields.Resample("resample") ?? defaults.Resample,
            DoCenterCrop = kind != ImageProcessorKind.Siglip && fields.Bool("do_center_crop", defaults.DoCenterCrop),
            CropSize = cropSize,
            DoRescale = fields.Bool("do_rescale", defaults.DoRescale),
            RescaleFactor = fields.Number("rescale_factor") ?? defaults.RescaleFactor,
            DoNormalize = fields.Bool("do_normalize", defaults.DoNormalize),
            ImageMean = fields.PerChannel("image_mean") ?? defaults.ImageMean,
            ImageStd = fields.PerChannel("image_std") ?? defaults.ImageStd,
            DoConvertRgb = fields.Bool("do_convert_rgb", defaults.DoConvertRgb),
            DoPad = kind == ImageProcessorKind.Llava && fields.Bool("do_pad", false),
            ImageGridPinpoints = pinpoints,
        };
    }

    private static (string Type, ImageProcessorKind Kind) ResolveType(Fields fields)
    {
        string? type = fields.String("image_processor_type");
        if (type is null && fields.String("feature_extractor_type") is string extractor)
        {
            type = extractor.Replace("FeatureExtractor", "ImageProcessor", StringComparison.Ordinal);
        }

        // No class named: LLaVA-NeXT if it has pinpoints, else CLIP (the fields drive the processing anyway).
        type ??= fields.Has("image_grid_pinpoints") ? "LlavaNextImageProcessor" : "CLIPImageProcessor";
        string slow = type.EndsWith("Fast", StringComparison.Ordinal) ? type[..^"Fast".Length] : type;
        ImageProcessorKind kind = slow switch
        {
            "CLIPImageProcessor" => ImageProcessorKind.Clip,
            "SiglipImageProcessor" => ImageProcessorKind.Siglip,
            "LlavaImageProcessor" => ImageProcessorKind.Llava,
            "LlavaNextImageProcessor" => ImageProcessorKind.LlavaNext,
            _ => throw new InvalidDataException(
                $"{fields.Source}: image processor '{type}' is not supported; expected CLIPImageProcessor, SiglipImageProcessor, " +
                "LlavaImageProcessor or LlavaNextImageProcessor"),
        };
        return (type, kind);
    }

    private static IReadOnlyList<(int Height, int Width)>? ModelPinpoints(JsonElement? modelConfig, string source) =>
        modelConfig is { } root ? new Fields(root, source).Pinpoints("image_grid_pinpoints") : null;

    /// <summary>Typed access to the fields of one JSON object; errors name the file and field.</summary>
    private readonly struct Fields(JsonElement root, string source)
    {
        public string Source => source;

        public bool Has(string name) => root.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null;

        public string? String(string name) => Get(name) is { } value
            ? value.ValueKind == JsonValueKind.String ? value.GetString() : throw Wrong(name, value, "a string")
            : null;

        public bool Bool(string name, bool fallback)
        {
            if (!root.TryGetProperty(name, out var value))
            {
                return fallback;
            }

            return value.ValueKind switch
            {
                JsonValueKind.True => true,
                JsonValueKind.False or JsonValueKind.Null => false,
                _ => throw Wrong(name, value, "true, false or null"),
            };
        }

        public double? Number(string name) => Get(name) is { } value
            ? value.ValueKind == JsonValueKind.Number ? value.GetDouble() : throw Wrong(name, value, "a number")
            : null;

        public PillowResample? Resample(string name)
        {
            if (Get(name) is not { } value)
            {
                return null;
            }

            if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out int number) || !Enum.IsDefined((PillowResample)number))
            {
                throw Wrong(name, value, "a Pillow filter number 0..5");
            }

            return (PillowResample)number;
        }

        public IReadOnlyList<double>? PerChannel(string name)
        {
            if (Get(name) is not { } value)
            {
                return null;
            }

            if (value.ValueKind == JsonValueKind.Number)
            {
                double single = value.GetDouble();
                return [single, single, single];
            }

            if (value.ValueKind != JsonValueKind.Array || value.GetArrayLength() != RgbImage.Channels
                || value.EnumerateArray().Any(v => v.ValueKind != JsonValueKind.Number))
            {
                throw Wrong(name, value, "a number or a list of 3 numbers");
            }

            return value.EnumerateArray().Select(v => v.GetDouble()).ToArray();
        }

        public ProcessorSize? Size(string name, bool squareFromInt)
        {
            if (Get(name) is not { } value)
            {
                return null;
            }

            switch (value.ValueKind)
            {
                case JsonValueKind.Number when Positive(value) is int side:
                    return squareFromInt ? ProcessorSize.Exact(side, side) : ProcessorSize.ShortestEdgeOf(side);
                case JsonValueKind.Array when value.GetArrayLength() == 2
                    && Positive(value[0]) is int height && Positive(value[1]) is int width:
                    return ProcessorSize.Exact(height, width);
                case JsonValueKind.Object:
                    int? shortest = Entry(value, "shortest_edge");
                    int? h = Entry(value, "height");
                    int? w = Entry(value, "width");
                    if (shortest is int edge && h is null && w is null && !value.TryGetProperty("longest_edge", out _))
                    {
                        return ProcessorSize.ShortestEdgeOf(edge);
                    }

                    if (h is int exactHeight && w is int exactWidth && shortest is null)
                    {
                        return ProcessorSize.Exact(exactHeight, exactWidth);
                    }

                    break;
            }

            throw Wrong(name, value, "an int, [height, width], {\"shortest_edge\": n} or {\"height\": h, \"width\": w}");
        }

        public IReadOnlyList<(int Height, int Width)>? Pinpoints(string name)
        {
            if (Get(name) is not { } value)
            {
                return null;
            }

            var pinpoints = new List<(int, int)>();
            if (value.ValueKind == JsonValueKind.Array)
            {
                foreach (var pair in value.EnumerateArray())
                {
                    if (pair.ValueKind != JsonValueKind.Array || pair.GetArrayLength() != 2
                        || Positive(pair[0]) is not int height || Positive(pair[1]) is not int width)
                    {
                        throw Wrong(name, value, "a list of [height, width] pairs of positive ints");
                    }

                    pinpoints.Add((height, width));
                }
            }

            return pinpoints.Count > 0 ? pinpoints : throw Wrong(name, value, "a non-empty list of [height, width] pairs");
        }

        private JsonElement? Get(string name) =>
            root.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

        private int? Entry(JsonElement dictionary, string key) =>
            dictionary.TryGetProperty(key, out var value) ? Positive(value) ?? throw Wrong(key, value, "a positive int") : null;

        private static int? Positive(JsonElement value) =>
            value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out int number) && number > 0 ? number : null;

        private InvalidDataException Wrong(string name, JsonElement value, string expected)
        {
            string text = value.GetRawText();
            return new InvalidDataException($"{source}: '{name}' must be {expected}, got {(text.Length > 80 ? text[..80] + "..." : text)}");
        }
    }
}
