namespace VisionZip.Cli.Options;

/// <summary>What the user asked for: the vanilla visual tokens, or VisionZip with a dominant + contextual budget.</summary>
/// <param name="Dominant">Dominant tokens (CLS included when the encoder has one); 0 when <see cref="Enabled"/> is false.</param>
/// <param name="Contextual">Contextual tokens; 0 when <see cref="Enabled"/> is false.</param>
/// <param name="Enabled">False for <c>--no-zip</c>.</param>
/// <param name="IsDefault">True when neither count was given and the LLaVA-1.5 64-token preset applies.</param>
public sealed record ZipChoice(int Dominant, int Contextual, bool Enabled, bool IsDefault)
{
    /// <summary>LLaVA-1.5's 64-token setting of the paper: 54 dominant (CLS included) + 10 contextual.</summary>
    public static ZipChoice Default { get; } = new(54, 10, Enabled: true, IsDefault: true);

    /// <summary>No reduction: every visual token the model normally uses.</summary>
    public static ZipChoice Vanilla { get; } = new(0, 0, Enabled: false, IsDefault: false);

    /// <summary>Tokens kept per image.</summary>
    public int Total => Dominant + Contextual;

    /// <summary>Short human form, e.g. <c>54+10</c> or <c>vanilla</c>.</summary>
    public override string ToString() => Enabled ? $"{Dominant}+{Contextual}" : "vanilla";

    /// <summary>
    /// Checks the budget against an encoder with <paramref name="tokens"/> tokens per image (CLS included when
    /// <paramref name="hasCls"/>), naming the options at fault.
    /// </summary>
    public void CheckAgainst(int tokens, bool hasCls)
    {
        if (!Enabled)
        {
            return;
        }

        string where = IsDefault ? $"the default --dominant {Dominant} --contextual {Contextual}" : $"--dominant {Dominant} --contextual {Contextual}";
        if (hasCls && Dominant < 2)
        {
            throw new Infrastructure.CliUsageException($"{where}: --dominant counts the CLS token; give at least 2 for this CLIP encoder (CLS + 1 patch)");
        }

        if (Dominant > tokens)
        {
            throw new Infrastructure.CliUsageException(
                $"{where}: --dominant exceeds the {tokens} tokens per image of this encoder{(hasCls ? " (CLS included)" : "")}");
        }

        if (Contextual > tokens - Dominant)
        {
            throw new Infrastructure.CliUsageException(
                $"{where}: --contextual exceeds the {tokens - Dominant} tokens left after the dominant ones ({tokens} tokens per image)");
        }
    }
}
