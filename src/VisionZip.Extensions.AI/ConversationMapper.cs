using Microsoft.Extensions.AI;
using ModelMessage = VisionZip.Models.Tokenization.ChatMessage;

namespace VisionZip.Extensions.AI;

/// <summary>
/// Microsoft.Extensions.AI messages to the model's conversation: system (first, several joined), user (text and images;
/// the template places one image placeholder per image at the start of the message) and assistant (text) messages.
/// Tool calls and tool results are refused: these models do not call tools.
/// </summary>
internal static class ConversationMapper
{
    public static (List<ModelMessage> Messages, List<AIContent> Images) Map(IEnumerable<ChatMessage> messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var result = new List<ModelMessage>();
        var images = new List<AIContent>();
        var system = new List<string>();
        int index = 0;
        foreach (var message in messages)
        {
            ArgumentNullException.ThrowIfNull(message, nameof(messages));
            string role = message.Role.Value;
            var texts = new List<string>();
            int imageCount = 0;
            foreach (var content in message.Contents)
            {
                switch (content)
                {
                    case TextContent text:
                        texts.Add(text.Text);
                        break;
                    case FunctionCallContent or FunctionResultContent:
                        throw new NotSupportedException($"messages[{index}]: tool calls and results are not supported (LLaVA models do not call tools)");
                    case DataContent or UriContent when ImageSources.IsImage(content):
                        if (message.Role != ChatRole.User)
                        {
                            throw new ArgumentException($"messages[{index}]: only user messages may carry images, this one is '{role}'", nameof(messages));
                        }

                        images.Add(content);
                        imageCount++;
                        break;
                    case DataContent data:
                        throw new ArgumentException($"messages[{index}]: media type '{data.MediaType}' is not an image", nameof(messages));
                    case UriContent uri:
                        throw new ArgumentException($"messages[{index}]: media type '{uri.MediaType}' is not an image", nameof(messages));
                    case TextReasoningContent or UsageContent:
                        break;                                                    // metadata of an earlier reply: not prompt text
                    default:
                        throw new ArgumentException($"messages[{index}]: content {content.GetType().Name} is not supported (text and images only)",
                            nameof(messages));
                }
            }

            string joined = string.Join("\n", texts);
            if (message.Role == ChatRole.System)
            {
                if (result.Count > 0)
                {
                    throw new ArgumentException($"messages[{index}]: a system message must come before every user and assistant message", nameof(messages));
                }

                system.Add(joined);
            }
            else if (message.Role == ChatRole.User)
            {
                result.Add(ModelMessage.User(joined, imageCount));
            }
            else if (message.Role == ChatRole.Assistant)
            {
                result.Add(ModelMessage.Assistant(joined));
            }
            else
            {
                throw new NotSupportedException($"messages[{index}]: role '{role}' is not supported (system, user, assistant)");
            }

            index++;
        }

        if (result.Count == 0 || result[^1].Role != VisionZip.Models.Tokenization.ChatRoles.User)
        {
            throw new ArgumentException("messages must end with a user message", nameof(messages));
        }

        if (system.Count > 0)
        {
            result.Insert(0, ModelMessage.System(string.Join("\n", system)));
        }

        return (result, images);
    }
}
