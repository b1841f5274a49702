namespace VisionZip.Models.Vision;

/// <summary>
/// Geometry of a CLIP or SigLIP vision transformer: transformers <c>CLIPVisionConfig</c> / <c>SiglipVisionConfig</c>
/// with every field the hub may leave out resolved to that class's default.
/// </summary>
/// <remarks>
/// Read one with <see cref="Load(string)"/> (a directory or a <c>config.json</c>) or <see cref="Parse"/>; build one in code from
/// <see cref="ClipDefaults"/> / <see cref="SiglipDefaults"/> with a <c>with</c> expression. Immutable, thread-safe.
/// </remarks>
public sealed record VisionConfig
{
    /// <summary>Transformers <c>CLIPVisionConfig()</c>: ViT-B/32 at 224 pixels, <c>quick_gelu</c>, eps 1e-5.</summary>
    public static VisionConfig ClipDefaults { get; } = new()
    {
        Architecture = VisionArchitecture.Clip,
        HiddenSize = 768,
        IntermediateSize = 3072,
        NumHiddenLayers = 12,
        NumAttentionHeads = 12,
        NumChannels = 3,
        ImageSize = 224,
        PatchSize = 32,
        HiddenAct = VisionActivation.QuickGelu,
        LayerNormEps = 1e-5,
    };

    /// <summary>Transformers <c>SiglipVisionConfig()</c>: ViT-B/16 at 224 pixels, <c>gelu_pytorch_tanh</c>, eps 1e-6.</summary>
    public static VisionConfig SiglipDefaults { get; } = new()
    {
        Architecture = VisionArchitecture.Siglip,
        HiddenSize = 768,
        IntermediateSize = 3072,
        NumHiddenLayers = 12,
        NumAttentionHeads = 12,
        NumChannels = 3,
        ImageSize = 224,
        PatchSize = 16,
        HiddenAct = VisionActivation.GeluTanh,
        LayerNormEps = 1e-6,
    };

    /// <summary>
    /// CLIP ViT-L/14 at 336 pixels (<c>openai/clip-vit-large-patch14-336</c>, the LLaVA-1.5 / LLaVA-NeXT tower, also
    /// what <c>LlavaConfig</c> builds when <c>vision_config</c> is absent): 24 layers, hidden 1024, 16 heads, MLP 4096,
    /// 576 patches + CLS.
    /// </summary>
    public static VisionConfig ClipVitLarge336 { get; } = ClipDefaults with
    {
        HiddenSize = 1024,
        IntermediateSize = 4096,
        NumHiddenLayers = 24,
        NumAttentionHeads = 16,
        ImageSize = 336,
        PatchSize = 14,
    };

    /// <summary>CLIP or SigLIP.</summary>
    public required VisionArchitecture Architecture { get; init; }

    /// <summary><c>hidden_size</c>: width of the residual stream (D).</summary>
    public required int HiddenSize { get; init; }

    /// <summary><c>intermediate_size</c>: width of the MLP.</summary>
    public required int IntermediateSize { get; init; }

    /// <summary><c>num_hidden_layers</c>: encoder layers stored in the checkpoint (L).</summary>
    public required int NumHiddenLayers { get; init; }

    /// <summary><c>num_attention_heads</c> (H).</summary>
    public required int NumAttentionHeads { get; init; }

    /// <summary><c>num_channels</c> of the input image.</summary>
    public required int NumChannels { get; init; }

    /// <summary><c>image_size</c>: input height and width in pixels.</summary>
    public required int ImageSize { get; init; }

    /// <summary><c>patch_size</c>: side of one square patch (and stride of the patch convolution).</summary>
    public required int PatchSize { get; init; }

    /// <summary><c>hidden_act</c> of the MLP.</summary>
    public required VisionActivation HiddenAct { get; init; }

    /// <summary><c>layer_norm_eps</c> of every LayerNorm.</summary>
    public required double LayerNormEps { get; init; }

    /// <summary>Per-head width, <c>HiddenSize / NumAttentionHeads</c> (Dh).</summary>
    public int HeadDim => HiddenSize / NumAttentionHeads;

    /// <summary>Patches per side, <c>ImageSize / PatchSize</c> (a 'valid' convolution ignores the remainder pixels).</summary>
    public int PatchesPerSide => ImageSize / PatchSize;

    /// <summary>Number of patch tokens.</summary>
    public int NumPatches => PatchesPerSide * PatchesPerSide;

    /// <summary>True for CLIP: token 0 is the class embedding.</summary>
    public bool HasCls => Architecture == VisionArchitecture.Clip;

    /// <summary>Tokens in the sequence (N): patches, plus one for CLS.</summary>
    public int NumPositions => NumPatches + (HasCls ? 1 : 0);

    /// <summary>Reads <c>config.json</c> from a directory (or the given JSON file) and resolves the vision config.</summary>
    /// <remarks>
    /// Accepts a standalone vision config (<c>clip_vision_model</c> / <c>siglip_vision_model</c>), a full
    /// <c>CLIPModel</c> / <c>SiglipModel</c> config (the nested <c>vision_config</c>; the text tower is ignored) and a
    /// LLaVA config (<c>llava</c>, <c>llava_next</c>, ...: the nested <c>vision_config</c>, CLIP unless its
    /// <c>model_type</c> says otherwise, CLIP ViT-L/14-336 when absent).
    /// </remarks>
    /// <exception cref="FileNotFoundException">No config file there.</exception>
    /// <exception cref="InvalidDataException">
    /// The file is not valid JSON, has a field of the wrong type, or describes no vision tower (an original LLaVA release
    /// names its tower in <c>mm_vision_tower</c> instead of holding it).
    /// </exception>
    public static VisionConfig Load(string path) => VisionConfigReader.Read(path).RequireVision();

    /// <summary>Resolves the vision config of an opened checkpoint directory (its <c>config.json</c> is parsed once per directory); as <see cref="Load(string)"/>.</summary>
    /// <exception cref="FileNotFoundException">No config.json there.</exception>
    /// <exception cref="InvalidDataException">A field of the wrong type, or no vision tower described.</exception>
    public static VisionConfig Load(Checkpoints.CheckpointDirectory directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        return VisionConfigReader.Read(directory).RequireVision();
    }

    /// <summary>Resolves the vision config from the text of a config file.</summary>
    /// <param name="json">The file's text.</param>
    /// <param name="source">Where it came from, used in error messages.</param>
    /// <exception cref="InvalidDataException">Invalid JSON, a field of the wrong type, or no vision tower described.</exception>
    public static VisionConfig Parse(string json, string source = "config.json") => VisionConfigReader.Parse(json, source).RequireVision();

    /// <summary>Checks the geometry is one a transformer can be built from.</summary>
    /// <param name="source">Where the config came from, used in the message.</param>
    /// <exception cref="InvalidDataException">A size is not positive, the heads do not divide the width, or the image holds no patch.</exception>
    public void Validate(string source = "vision config")
    {
        var problems = new List<string>();
        foreach (var (name, value) in new[]
        {
            ("hidden_size", HiddenSize), ("intermediate_size", IntermediateSize), ("num_hidden_layers", NumHiddenLayers),
            ("num_attention_heads", NumAttentionHeads), ("num_channels", NumChannels), ("image_size", ImageSize),
            ("patch_size", PatchSize),
        })
        {
            if (value <= 0)
            {
                problems.Add($"{name} is {value}, expected > 0");
            }
        }

        if (NumAttentionHeads > 0 && HiddenSize % NumAttentionHeads != 0)
        {
            problems.Add($"hidden_size {HiddenSize} is not a multiple of num_attention_heads {NumAttentionHeads}");
        }

        if (PatchSize > 0 && ImageSize > 0 && ImageSize < PatchSize)
        {
            problems.Add($"image_size {ImageSize} is smaller than patch_size {PatchSize}");
        }

        if (!(LayerNormEps > 0))
        {
            problems.Add($"layer_norm_eps is {LayerNormEps}, expected > 0");
        }

        if (problems.Count > 0)
        {
            throw new InvalidDataException($"{source}: {string.Join("; ", problems)}");
        }
    }
}
