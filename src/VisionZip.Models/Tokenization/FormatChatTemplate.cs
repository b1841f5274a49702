using System.Text;

namespace VisionZip.Models.Tokenization;

/// <summary>
/// A user-written single-turn format with <c>{prompt}</c> and an optional <c>{response}</c>; see
/// <see cref="ChatTemplate.FromFormat"/>. User and assistant messages must alternate.
/// </summary>
internal sealed class FormatChatTemplate : ChatTemplate
{
    public const string PromptPlaceholder = "{prompt}";
    public const string ResponsePlaceholder = "{response}";
    public const string SystemPlaceholder = "{system}";

    private readonly string _beforePrompt;
    private readonly string _beforeResponse;
    private readonly string _afterResponse;
    private readonly string _systemFormat;

    public FormatChatTemplate(string turnFormat, string systemFormat, string imageToken)
        : base(imageToken)
    {
        ArgumentNullException.ThrowIfNull(turnFormat);
        ArgumentNullException.ThrowIfNull(systemFormat);
        int prompt = turnFormat.IndexOf(PromptPlaceholder, StringComparison.Ordinal);
        if (prompt < 0 || turnFormat.IndexOf(PromptPlaceholder, prompt + 1, StringComparison.Ordinal) >= 0)
        {
            throw new ArgumentException($"the chat format must contain {PromptPlaceholder} exactly once: '{turnFormat}'", nameof(turnFormat));
        }

        int response = turnFormat.IndexOf(ResponsePlaceholder, StringComparison.Ordinal);
        if (response >= 0 && (response < prompt || turnFormat.IndexOf(ResponsePlaceholder, response + 1, StringComparison.Ordinal) >= 0))
        {
            throw new ArgumentException(
                $"the chat format may contain {ResponsePlaceholder} once, after {PromptPlaceholder}: '{turnFormat}'", nameof(turnFormat));
        }

        int promptEnd = prompt + PromptPlaceholder.Length;
        _beforePrompt = turnFormat[..prompt];
        _beforeResponse = response >= 0 ? turnFormat[promptEnd..response] : turnFormat[promptEnd..];
        _afterResponse = response >= 0 ? turnFormat[(response + ResponsePlaceholder.Length)..] : string.Empty;
        _systemFormat = systemFormat;
    }

    public override string Name => "format";

    protected override void RenderCore(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt, StringBuilder prompt)
    {
        for (int i = 0; i < messages.Count; i++)
        {
            var message = messages[i];
            if (message.Role == ChatRoles.System)
            {
                prompt.Append(_systemFormat.Replace(SystemPlaceholder, message.Text, StringComparison.Ordinal));
                continue;
            }

            if (message.Role != ChatRoles.User)
            {
                throw new ArgumentException($"messages[{i}]: an assistant message must follow a user message", nameof(messages));
            }

            prompt.Append(_beforePrompt);
            AppendImages(message, "\n", prompt);
            prompt.Append(message.Text);
            bool last = i == messages.Count - 1;
            if (!last && messages[i + 1].Role == ChatRoles.Assistant)
            {
                prompt.Append(_beforeResponse).Append(messages[i + 1].Text).Append(_afterResponse);
                i++;
            }
            else if (!last)
            {
                throw new ArgumentException($"messages[{i + 1}]: user and assistant messages must alternate", nameof(messages));
            }
            else if (addGenerationPrompt)
            {
                prompt.Append(_beforeResponse.TrimEnd(' '));
            }
        }
    }
}
