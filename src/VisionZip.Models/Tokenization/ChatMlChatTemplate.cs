using System.Text;

namespace VisionZip.Models.Tokenization;

/// <summary>
/// ChatML: <c>&lt;|im_start|&gt;{role}\n{content}&lt;|im_end|&gt;\n</c> per message, generation prompt
/// <c>&lt;|im_start|&gt;assistant\n</c>. With <c>newlineBeforeText</c> (llava-interleave's template) the content is
/// the bare image placeholders followed by <c>\n</c> + text; otherwise <c>&lt;image&gt;\n</c> per image, then the text.
/// </summary>
internal sealed class ChatMlChatTemplate(string imageToken, bool newlineBeforeText) : ChatTemplate(imageToken)
{
    public override string Name => "chatml";

    protected override void RenderCore(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt, StringBuilder prompt)
    {
        foreach (var message in messages)
        {
            prompt.Append("<|im_start|>").Append(message.Role).Append('\n');
            if (newlineBeforeText)
            {
                AppendImages(message, string.Empty, prompt);
                if (message.Text.Length > 0)
                {
                    prompt.Append('\n').Append(message.Text);
                }
            }
            else
            {
                AppendImages(message, "\n", prompt);
                prompt.Append(message.Text);
            }

            prompt.Append("<|im_end|>\n");
        }

        if (addGenerationPrompt)
        {
            prompt.Append("<|im_start|>assistant\n");
        }
    }
}
