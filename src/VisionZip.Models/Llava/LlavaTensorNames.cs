namespace VisionZip.Models.Llava;

/// <summary>
/// Where the parts of a LLaVA checkpoint live. Two spellings exist on the hub: the llava-hf original
/// (<c>vision_tower.…</c>, <c>multi_modal_projector.…</c>, <c>language_model.model.…</c>, <c>language_model.lm_head.weight</c>)
/// and the one newer transformers releases write (<c>model.vision_tower.…</c>, <c>model.multi_modal_projector.…</c>,
/// <c>model.language_model.…</c>, <c>lm_head.weight</c>). <see cref="Detect"/> tells them apart from the tensor names.
/// </summary>
/// <param name="VisionTower">Prefix of the vision tower, ending in a dot (e.g. <c>vision_tower.</c>); the CLIP/SigLIP names follow (<c>vision_model.…</c>).</param>
/// <param name="Projector">Prefix of the projector (e.g. <c>multi_modal_projector.</c>); <c>linear_1.weight</c> etc. follow.</param>
/// <param name="LanguageModel">Prefix of the decoder body (e.g. <c>language_model.model.</c>); <c>embed_tokens.weight</c>, <c>layers.N.…</c>, <c>norm.weight</c> follow.</param>
/// <param name="LmHead">Full name of the LM head weight, or null when the checkpoint has none (tied embeddings).</param>
/// <param name="ImageNewline">Full name of LLaVA-NeXT's <c>image_newline</c>, or null when absent.</param>
public sealed record LlavaTensorNames(string VisionTower, string Projector, string LanguageModel, string? LmHead, string? ImageNewline)
{
    /// <summary>The llava-hf original spelling.</summary>
    public static readonly LlavaTensorNames Original =
        new("vision_tower.", "multi_modal_projector.", "language_model.model.", "language_model.lm_head.weight", "image_newline");

    /// <summary>The spelling of newer transformers releases.</summary>
    public static readonly LlavaTensorNames Nested =
        new("model.vision_tower.", "model.multi_modal_projector.", "model.language_model.", "lm_head.weight", "model.image_newline");

    /// <summary>Name of the token embedding matrix, <c>[vocab, hidden]</c>.</summary>
    public string EmbedTokens => LanguageModel + "embed_tokens.weight";

    /// <summary>
    /// Picks the spelling from a checkpoint's tensor names; <see cref="LmHead"/> and <see cref="ImageNewline"/> are
    /// null when the checkpoint lacks them.
    /// </summary>
    /// <param name="names">Every tensor name of the checkpoint.</param>
    /// <param name="source">The checkpoint path, for error messages.</param>
    /// <exception cref="InvalidDataException">No LLaVA layout is recognisable, both are mixed, or a part is missing.</exception>
    public static LlavaTensorNames Detect(IEnumerable<string> names, string source)
    {
        var all = names as IReadOnlyCollection<string> ?? names.ToList();
        bool original = all.Any(n => n.StartsWith(Original.LanguageModel, StringComparison.Ordinal));
        bool nested = all.Any(n => n.StartsWith(Nested.LanguageModel, StringComparison.Ordinal));
        if (original == nested)
        {
            string found = string.Join(", ", all.Take(3).Select(n => $"'{n}'"));
            throw new InvalidDataException(original
                ? $"{source}: mixes both LLaVA tensor spellings ('{Original.LanguageModel}…' and '{Nested.LanguageModel}…')"
                : $"{source}: no tensor starts with '{Original.LanguageModel}' or '{Nested.LanguageModel}'; not a LLaVA checkpoint (first names: {found})");
        }

        var layout = original ? Original : Nested;
        RequirePrefix(all, layout.VisionTower, source);
        RequirePrefix(all, layout.Projector, source);
        var set = all as ISet<string> ?? all.ToHashSet(StringComparer.Ordinal);
        if (!set.Contains(layout.EmbedTokens))
        {
            throw new InvalidDataException($"{source}: tensor '{layout.EmbedTokens}' is missing");
        }

        return layout with
        {
            LmHead = set.Contains(layout.LmHead!) ? layout.LmHead : null,
            ImageNewline = set.Contains(layout.ImageNewline!) ? layout.ImageNewline : null,
        };
    }

    private static void RequirePrefix(IReadOnlyCollection<string> names, string prefix, string source)
    {
        if (!names.Any(n => n.StartsWith(prefix, StringComparison.Ordinal)))
        {
            throw new InvalidDataException($"{source}: no tensor starts with '{prefix}'");
        }
    }
}
