namespace VisionZip.Models.Tokenization;

/// <summary>Role names of chat messages (the Hugging Face names).</summary>
public static class ChatRoles
{
    /// <summary>A system prompt; only as the first message.</summary>
    public const string System = "system";

    /// <summary>The user's turn.</summary>
    public const string User = "user";

    /// <summary>The model's reply.</summary>
    public const string Assistant = "assistant";
}

/// <summary>One message of a conversation.</summary>
/// <param name="Role">One of <see cref="ChatRoles"/>.</param>
/// <param name="Text">The message text (without image placeholders).</param>
/// <param name="ImageCount">Images attached to this message; the template renders one image placeholder per image at
/// the start of the message (user messages only).</param>
public sealed record ChatMessage(string Role, string Text, int ImageCount = 0)
{
    /// <summary>A user message.</summary>
    /// <param name="text">The question or instruction.</param>
    /// <param name="imageCount">Images attached to it.</param>
    /// <returns>The message.</returns>
    public static ChatMessage User(string text, int imageCount = 0) => new(ChatRoles.User, text, imageCount);

    /// <summary>An assistant reply (conversation history).</summary>
    /// <param name="text">The reply.</param>
    /// <returns>The message.</returns>
    public static ChatMessage Assistant(string text) => new(ChatRoles.Assistant, text);

    /// <summary>A system prompt.</summary>
    /// <param name="text">The system prompt.</param>
    /// <returns>The message.</returns>
    public static ChatMessage System(string text) => new(ChatRoles.System, text);
}
