using System.Text;

namespace VisionZip.Models.Tokenization;

/// <summary>
/// The Mistral instruct conversation used by LLaVA-NeXT (llava-v1.6-mistral):
/// <c>[&lt;&lt;SYS&gt;&gt;\n...\n&lt;&lt;/SYS&gt;&gt;\n\n][INST] &lt;image&gt;\nQ1 [/INST] A1&lt;/s&gt;[INST] Q2 [/INST]</c>.
/// The user turn already ends with <c>[/INST]</c>, so the generation prompt adds nothing.
/// </summary>
internal sealed class MistralInstructChatTemplate(string imageToken, string endOfTurn) : ChatTemplate(imageToken)
{
    public override string Name => "mistral-instruct";

    protected override void RenderCore(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt, StringBuilder prompt)
    {
        foreach (var message in messages)
        {
            switch (message.Role)
            {
                case ChatRoles.System:
                    prompt.Append("<<SYS>>\n").Append(message.Text).Append("\n<</SYS>>\n\n");
                    break;
                case ChatRoles.User:
                    prompt.Append("[INST] ");
                    AppendImages(message, "\n", prompt);
                    prompt.Append(message.Text).Append(" [/INST]");
                    break;
                default:
                    prompt.Append(' ').Append(message.Text).Append(endOfTurn);
                    break;
            }
        }
    }
}
