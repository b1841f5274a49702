using System.Text;

namespace VisionZip.Models.Tokenization;

/// <summary>
/// LLaVA-1.5's Vicuna v1 conversation (the original LLaVA <c>conv_vicuna_v1</c>, whose single-turn form equals the
/// llava-hf chat template): <c>[system ]USER: &lt;image&gt;\nQ1 ASSISTANT: A1&lt;/s&gt;USER: Q2 ASSISTANT:</c>.
/// </summary>
internal sealed class Llava15ChatTemplate(string imageToken, string endOfTurn) : ChatTemplate(imageToken)
{
    public override string Name => "llava-1.5";

    protected override void RenderCore(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt, StringBuilder prompt)
    {
        foreach (var message in messages)
        {
            switch (message.Role)
            {
                case ChatRoles.System:
                    prompt.Append(message.Text).Append(' ');
                    break;
                case ChatRoles.User:
                    prompt.Append("USER: ");
                    AppendImages(message, "\n", prompt);
                    prompt.Append(message.Text).Append(' ');
                    break;
                default:
                    prompt.Append("ASSISTANT: ").Append(message.Text).Append(endOfTurn);
                    break;
            }
        }

        if (addGenerationPrompt)
        {
            prompt.Append("ASSISTANT:");
        }
    }
}
