namespace VisionZip.Models.Tokenization;

/// <summary>
/// A token matched verbatim in the text before the tokenizer model runs (a Hugging Face "added token", e.g.
/// <c>&lt;image&gt;</c>, <c>&lt;/s&gt;</c>, <c>&lt;|im_start|&gt;</c>).
/// </summary>
/// <param name="Content">The exact string.</param>
/// <param name="Id">Its token id.</param>
/// <param name="Special">Special tokens are left out when decoding with <c>skipSpecialTokens</c>.</param>
/// <param name="LeftStrip">Whitespace to the left of a match is removed (<c>lstrip</c>).</param>
/// <param name="RightStrip">Whitespace to the right of a match is removed (<c>rstrip</c>).</param>
public sealed record AddedToken(string Content, int Id, bool Special, bool LeftStrip = false, bool RightStrip = false);
