namespace VisionZip.Tests.Generality;

/// <summary>How the tensors of a llava-hf checkpoint are named.</summary>
public enum LlavaSpelling
{
    /// <summary>Keep the names as they are (the only choice for a bare CLIP / SigLIP / decoder checkpoint).</summary>
    AsIs,

    /// <summary>
    /// transformers before 4.52: <c>language_model.model.*</c>, <c>language_model.lm_head.*</c>, <c>vision_tower.*</c>,
    /// <c>multi_modal_projector.*</c>, <c>image_newline</c>.
    /// </summary>
    Legacy,

    /// <summary>
    /// transformers 4.52 and later: <c>model.language_model.*</c>, <c>lm_head.*</c>, <c>model.vision_tower.*</c>,
    /// <c>model.multi_modal_projector.*</c>, <c>model.image_newline</c>.
    /// </summary>
    Newer,
}

/// <summary>Maps llava-hf tensor names between the two spellings transformers has written.</summary>
internal static class LlavaTensorSpelling
{
    // (legacy prefix, newer prefix); a name equal to a prefix without its dot is matched too (image_newline).
    private static readonly (string Legacy, string Newer)[] Pairs =
    [
        ("language_model.model.", "model.language_model."),
        ("language_model.lm_head.", "lm_head."),
        ("vision_tower.", "model.vision_tower."),
        ("multi_modal_projector.", "model.multi_modal_projector."),
        ("image_newline", "model.image_newline"),
    ];

    /// <summary>The spelling a name is in, or null when it belongs to neither (not a llava-hf tensor).</summary>
    public static LlavaSpelling? SpellingOf(string name)
    {
        // Newer prefixes first: "model.vision_tower." would otherwise never be told apart from a legacy "model." name.
        if (Pairs.Any(p => Matches(name, p.Newer)))
        {
            return LlavaSpelling.Newer;
        }

        return Pairs.Any(p => Matches(name, p.Legacy)) ? LlavaSpelling.Legacy : null;
    }

    /// <summary>Rewrites a llava-hf tensor name in <paramref name="spelling"/>.</summary>
    /// <exception cref="ArgumentException">The name is in neither spelling.</exception>
    public static string Respell(string name, LlavaSpelling spelling)
    {
        if (spelling == LlavaSpelling.AsIs)
        {
            return name;
        }

        var current = SpellingOf(name) ?? throw new ArgumentException($"tensor '{name}' is not named like a llava-hf tensor", nameof(name));
        if (current == spelling)
        {
            return name;
        }

        foreach (var (legacy, newer) in Pairs)
        {
            var (from, to) = current == LlavaSpelling.Legacy ? (legacy, newer) : (newer, legacy);
            if (Matches(name, from))
            {
                return to + name[from.Length..];
            }
        }

        throw new ArgumentException($"tensor '{name}' has no {spelling} spelling", nameof(name));
    }

    private static bool Matches(string name, string prefix) =>
        prefix.EndsWith('.') ? name.StartsWith(prefix, StringComparison.Ordinal) : name == prefix;
}
