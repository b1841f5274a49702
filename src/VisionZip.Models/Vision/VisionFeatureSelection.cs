namespace VisionZip.Models.Vision;

/// <summary>Which tokens of the feature layer LLaVA feeds the projector (<c>vision_feature_select_strategy</c>).</summary>
public enum VisionFeatureSelectStrategy
{
    /// <summary><c>default</c>: patch tokens only, CLS dropped (an encoder without CLS keeps every token).</summary>
    Default,

    /// <summary><c>full</c>: every token, CLS included.</summary>
    Full,
}

/// <summary>
/// The LLaVA feature layer and token selection: <c>vision_feature_layer</c> (an index into transformers'
/// <c>hidden_states</c>, negative from the end) and <c>vision_feature_select_strategy</c>.
/// </summary>
/// <param name="Layer">Index into <c>hidden_states</c> (length L + 1: 0 = embeddings, k = output of <c>layers[k-1]</c>); -2 = second-to-last.</param>
/// <param name="Strategy">Token selection.</param>
public readonly record struct VisionFeatureSelection(int Layer, VisionFeatureSelectStrategy Strategy)
{
    /// <summary>LLaVA-1.5 / LLaVA-NeXT and the <c>LlavaConfig</c> defaults: layer -2, strategy <c>default</c>.</summary>
    public static VisionFeatureSelection LlavaDefault { get; } = new(Checkpoints.LlavaDefaults.VisionFeatureLayer, VisionFeatureSelectStrategy.Default);

    /// <summary>
    /// The selection a config file asks for: a LLaVA config's <c>vision_feature_layer</c> /
    /// <c>vision_feature_select_strategy</c> (their <c>LlavaConfig</c> defaults where absent), or null for a config
    /// that is not a LLaVA one (a CLIP / SigLIP checkpoint).
    /// </summary>
    /// <param name="path">A directory holding <c>config.json</c>, or the file itself.</param>
    /// <exception cref="FileNotFoundException">No config file there.</exception>
    /// <exception cref="InvalidDataException">A field has the wrong type or an unknown value (a list of layers is not supported).</exception>
    public static VisionFeatureSelection? Load(string path) => VisionConfigReader.Read(path).Selection;

    /// <summary>The selection the <c>config.json</c> of an opened checkpoint directory asks for (parsed once per directory); as <see cref="Load(string)"/>.</summary>
    /// <exception cref="FileNotFoundException">No config.json there.</exception>
    /// <exception cref="InvalidDataException">A field has the wrong type or an unknown value.</exception>
    public static VisionFeatureSelection? Load(Checkpoints.CheckpointDirectory directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        return VisionConfigReader.Read(directory).Selection;
    }

    /// <summary>Parses a <c>vision_feature_select_strategy</c> value.</summary>
    /// <exception cref="InvalidDataException">Neither <c>default</c> nor <c>full</c>.</exception>
    public static VisionFeatureSelectStrategy ParseStrategy(string value, string source) => value switch
    {
        "default" => VisionFeatureSelectStrategy.Default,
        "full" => VisionFeatureSelectStrategy.Full,
        _ => throw new InvalidDataException($"{source}: vision_feature_select_strategy '{value}' is not supported (expected 'default' or 'full')"),
    };

    /// <summary>
    /// The <c>hidden_states</c> index this layer resolves to for an encoder of <paramref name="layers"/> layers
    /// (0 = embeddings, k = output of <c>layers[k-1]</c>).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Outside <c>[-(L+1), L]</c>.</exception>
    public int ResolveHiddenStateIndex(int layers)
    {
        int index = Layer < 0 ? layers + 1 + Layer : Layer;
        if (index < 0 || index > layers)
        {
            throw new ArgumentOutOfRangeException(nameof(Layer), Layer,
                $"vision feature layer {Layer} is outside hidden_states of an encoder with {layers} layers (valid: {-(layers + 1)} .. {layers})");
        }

        return index;
    }
}
