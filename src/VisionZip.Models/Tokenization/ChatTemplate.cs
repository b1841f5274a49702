using System.Text;
using System.Text.Json;
using VisionZip.Models.Checkpoints;

namespace VisionZip.Models.Tokenization;

/// <summary>
/// Turns a conversation into the prompt string a checkpoint was trained on. The known families are built in (no Jinja
/// is evaluated): <see cref="Llava15"/> (<c>USER: ... ASSISTANT:</c>), <see cref="MistralInstruct"/>
/// (<c>[INST] ... [/INST]</c>, LLaVA-NeXT Mistral) and <see cref="ChatMl"/> (<c>&lt;|im_start|&gt;</c>, Qwen2 /
/// LLaVA-Interleave); <see cref="FromFormat"/> takes a user-written format; <see cref="FromCheckpoint(string)"/> picks one
/// from a checkpoint directory.
/// </summary>
/// <remarks>Images are one placeholder per image at the start of the message they belong to. Instances are immutable
/// and thread-safe.</remarks>
public abstract class ChatTemplate
{
    /// <summary>The default image placeholder.</summary>
    public const string DefaultImageToken = "<image>";

    /// <summary>Creates a template that writes <paramref name="imageToken"/> for every image.</summary>
    /// <param name="imageToken">The image placeholder string.</param>
    /// <exception cref="ArgumentException"><paramref name="imageToken"/> is empty.</exception>
    protected ChatTemplate(string imageToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(imageToken);
        ImageToken = imageToken;
    }

    /// <summary>A short name of the family (<c>llava-1.5</c>, <c>mistral-instruct</c>, <c>chatml</c>, <c>format</c>).</summary>
    public abstract string Name { get; }

    /// <summary>The image placeholder written once per image.</summary>
    public string ImageToken { get; }

    /// <summary>Renders a conversation.</summary>
    /// <param name="messages">The conversation: an optional system message first, then user/assistant turns.</param>
    /// <param name="addGenerationPrompt">End with the text that opens the assistant's reply (e.g. <c>ASSISTANT:</c>).</param>
    /// <returns>The prompt string.</returns>
    /// <exception cref="ArgumentException">The conversation is empty or malformed (unknown role, system message not first,
    /// images on a non-user message, negative image count).</exception>
    public string Render(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt)
    {
        Validate(messages);
        var prompt = new StringBuilder();
        RenderCore(messages, addGenerationPrompt, prompt);
        return prompt.ToString();
    }

    /// <summary>Renders a single user turn with <paramref name="imageCount"/> images and the generation prompt.</summary>
    /// <param name="question">The user's question.</param>
    /// <param name="imageCount">Images attached to it.</param>
    /// <returns>The prompt string.</returns>
    public string RenderSingleTurn(string question, int imageCount = 1) =>
        Render([ChatMessage.User(question, imageCount)], addGenerationPrompt: true);

    /// <summary>Writes the validated conversation to <paramref name="prompt"/>.</summary>
    /// <param name="messages">Validated messages.</param>
    /// <param name="addGenerationPrompt">Whether to open the assistant's reply.</param>
    /// <param name="prompt">The output.</param>
    protected abstract void RenderCore(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt, StringBuilder prompt);

    /// <summary>Writes <see cref="ImageToken"/> followed by <paramref name="separator"/> once per image of the message.</summary>
    /// <param name="message">The message.</param>
    /// <param name="separator">Written after every placeholder.</param>
    /// <param name="prompt">The output.</param>
    protected void AppendImages(ChatMessage message, string separator, StringBuilder prompt)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(prompt);
        for (int i = 0; i < message.ImageCount; i++)
        {
            prompt.Append(ImageToken).Append(separator);
        }
    }

    /// <summary>The LLaVA-1.5 (Vicuna v1) conversation: <c>USER: &lt;image&gt;\nQ1 ASSISTANT: A1&lt;/s&gt;USER: Q2 ASSISTANT:</c>.</summary>
    /// <param name="imageToken">The image placeholder.</param>
    /// <param name="endOfTurn">Written after every assistant reply (the EOS string).</param>
    /// <returns>The template.</returns>
    public static ChatTemplate Llava15(string imageToken = DefaultImageToken, string endOfTurn = "</s>") =>
        new Llava15ChatTemplate(imageToken, endOfTurn);

    /// <summary>The Mistral instruct conversation of LLaVA-NeXT: <c>[INST] &lt;image&gt;\nQ1 [/INST] A1&lt;/s&gt;[INST] Q2 [/INST]</c>.</summary>
    /// <param name="imageToken">The image placeholder.</param>
    /// <param name="endOfTurn">Written after every assistant reply (the EOS string).</param>
    /// <returns>The template.</returns>
    public static ChatTemplate MistralInstruct(string imageToken = DefaultImageToken, string endOfTurn = "</s>") =>
        new MistralInstructChatTemplate(imageToken, endOfTurn);

    /// <summary>
    /// ChatML (<c>&lt;|im_start|&gt;role\n...&lt;|im_end|&gt;\n</c>, generation prompt <c>&lt;|im_start|&gt;assistant\n</c>).
    /// </summary>
    /// <param name="imageToken">The image placeholder.</param>
    /// <param name="newlineBeforeText">LLaVA-Interleave's form: images as bare placeholders, then <c>\n</c> + text
    /// (<c>&lt;image&gt;\nQ</c>, and <c>\nA</c> for replies). Otherwise each placeholder is followed by <c>\n</c>
    /// and the text follows directly (Qwen2 / Yi).</param>
    /// <returns>The template.</returns>
    public static ChatTemplate ChatMl(string imageToken = DefaultImageToken, bool newlineBeforeText = true) =>
        new ChatMlChatTemplate(imageToken, newlineBeforeText);

    /// <summary>
    /// A user-written template: one turn written as <paramref name="turnFormat"/> with <c>{prompt}</c> (the user text,
    /// after one <c>&lt;image&gt;\n</c> per image) and optionally <c>{response}</c> (the assistant reply), e.g.
    /// <c>"USER: {prompt} ASSISTANT: {response}&lt;/s&gt;"</c>. The generation prompt is the turn up to
    /// <c>{response}</c> with trailing spaces removed (<c>USER: ... ASSISTANT:</c>).
    /// </summary>
    /// <param name="turnFormat">The turn format.</param>
    /// <param name="systemFormat">How a system message is written, with <c>{system}</c>.</param>
    /// <param name="imageToken">The image placeholder.</param>
    /// <returns>The template.</returns>
    /// <exception cref="ArgumentException">The format lacks <c>{prompt}</c>, repeats a placeholder, or has <c>{response}</c> before <c>{prompt}</c>.</exception>
    public static ChatTemplate FromFormat(string turnFormat, string systemFormat = "{system}\n", string imageToken = DefaultImageToken) =>
        new FormatChatTemplate(turnFormat, systemFormat, imageToken);

    /// <summary>
    /// A template by name (<c>llava-1.5</c>/<c>vicuna</c>, <c>mistral</c>/<c>mistral-instruct</c>, <c>chatml</c>,
    /// <c>chatml-plain</c>) or, when <paramref name="nameOrFormat"/> contains <c>{prompt}</c>, a <see cref="FromFormat"/> format.
    /// </summary>
    /// <param name="nameOrFormat">A family name or a format string.</param>
    /// <param name="imageToken">The image placeholder.</param>
    /// <returns>The template.</returns>
    /// <exception cref="ArgumentException">Neither a known name nor a format.</exception>
    public static ChatTemplate Parse(string nameOrFormat, string imageToken = DefaultImageToken)
    {
        ArgumentNullException.ThrowIfNull(nameOrFormat);
        if (nameOrFormat.Contains(FormatChatTemplate.PromptPlaceholder, StringComparison.Ordinal))
        {
            return FromFormat(nameOrFormat, imageToken: imageToken);
        }

        return nameOrFormat.Trim().ToLowerInvariant() switch
        {
            "llava-1.5" or "llava15" or "llava" or "vicuna" => Llava15(imageToken),
            "mistral" or "mistral-instruct" or "llava-next" => MistralInstruct(imageToken),
            "chatml" or "qwen2" or "llava-interleave" => ChatMl(imageToken, newlineBeforeText: true),
            "chatml-plain" => ChatMl(imageToken, newlineBeforeText: false),
            _ => throw new ArgumentException(
                $"unknown chat template '{nameOrFormat}': expected llava-1.5, mistral, chatml, chatml-plain, or a format containing {FormatChatTemplate.PromptPlaceholder}",
                nameof(nameOrFormat)),
        };
    }

    /// <summary>
    /// Picks the family of a checkpoint's Jinja chat template by its markers: <c>&lt;|im_start|&gt;</c> → ChatML
    /// (LLaVA-Interleave form when the template writes <c>'\n' + content['text']</c>), <c>[INST]</c> → Mistral,
    /// anything else → LLaVA-1.5. Without a template, the language model type decides: <c>mistral</c> → Mistral,
    /// <c>qwen2</c> → ChatML, else LLaVA-1.5.
    /// </summary>
    /// <param name="jinjaTemplate">The checkpoint's <c>chat_template</c>, or null.</param>
    /// <param name="textModelType">The language model's <c>model_type</c> (<c>text_config.model_type</c>), or null.</param>
    /// <param name="imageToken">The image placeholder.</param>
    /// <param name="endOfTurn">The EOS string written after assistant replies (LLaVA-1.5 / Mistral).</param>
    /// <returns>The template.</returns>
    public static ChatTemplate Detect(string? jinjaTemplate, string? textModelType = null,
        string imageToken = DefaultImageToken, string endOfTurn = "</s>")
    {
        if (!string.IsNullOrEmpty(jinjaTemplate))
        {
            if (jinjaTemplate.Contains("<|im_start|>", StringComparison.Ordinal))
            {
                return ChatMl(imageToken, newlineBeforeText: jinjaTemplate.Contains("'\\n' + content['text']", StringComparison.Ordinal));
            }

            return jinjaTemplate.Contains("[INST]", StringComparison.Ordinal)
                ? MistralInstruct(imageToken, endOfTurn)
                : Llava15(imageToken, endOfTurn);
        }

        return textModelType switch
        {
            "mistral" => MistralInstruct(imageToken, endOfTurn),
            "qwen2" => ChatMl(imageToken, newlineBeforeText: true),
            _ => Llava15(imageToken, endOfTurn),
        };
    }

    /// <summary>
    /// Picks the template of a checkpoint directory with <see cref="Detect"/>, reading the chat template from
    /// <c>chat_template.json</c>, <c>chat_template.jinja</c> or <c>tokenizer_config.json</c> (first found), the
    /// language model type from <c>config.json</c>, the image placeholder from <c>processor_config.json</c> and the
    /// EOS string from <c>tokenizer_config.json</c> / <c>special_tokens_map.json</c>. Every file is optional.
    /// </summary>
    /// <param name="directory">The checkpoint directory.</param>
    /// <returns>The template.</returns>
    /// <exception cref="DirectoryNotFoundException">The directory does not exist.</exception>
    /// <exception cref="InvalidDataException">One of the files is not valid JSON; the message names it.</exception>
    public static ChatTemplate FromCheckpoint(string directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        if (!Directory.Exists(directory))
        {
            throw new DirectoryNotFoundException($"checkpoint directory not found: {Path.GetFullPath(directory)}");
        }

        using var checkpoint = CheckpointDirectory.Open(directory);
        return FromCheckpoint(checkpoint);
    }

    /// <summary>
    /// Picks the template of an opened checkpoint directory (each file parsed once per directory); otherwise as
    /// <see cref="FromCheckpoint(string)"/>.
    /// </summary>
    /// <param name="directory">The opened checkpoint directory.</param>
    /// <returns>The template.</returns>
    /// <exception cref="InvalidDataException">One of the files is not valid JSON; the message names it.</exception>
    public static ChatTemplate FromCheckpoint(CheckpointDirectory directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        var metadata = TokenizerMetadata.Read(directory);
        string? template = null;
        TokenizerMetadata.WithJson(directory, "chat_template.json", (root, _) =>
        {
            if (root.TryGetProperty("chat_template", out var value) && value.ValueKind == JsonValueKind.String)
            {
                template = value.GetString();
            }
        });
        if (template is null && directory.Text("chat_template.jinja") is { } jinja)
        {
            template = jinja;
        }

        template ??= metadata.ChatTemplate;

        string? modelType = null;
        TokenizerMetadata.WithJson(directory, "config.json", (root, _) =>
        {
            var source = root.TryGetProperty("text_config", out var textConfig) && textConfig.ValueKind == JsonValueKind.Object
                ? textConfig
                : root;
            if (source.TryGetProperty("model_type", out var type) && type.ValueKind == JsonValueKind.String)
            {
                modelType = type.GetString();
            }
        });

        return Detect(template, modelType, metadata.ImageToken, metadata.EosToken ?? "</s>");
    }

    private static void Validate(IReadOnlyList<ChatMessage> messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        if (messages.Count == 0)
        {
            throw new ArgumentException("the conversation has no messages", nameof(messages));
        }

        for (int i = 0; i < messages.Count; i++)
        {
            var message = messages[i] ?? throw new ArgumentException($"messages[{i}] is null", nameof(messages));
            if (message.Text is null)
            {
                throw new ArgumentException($"messages[{i}].Text is null", nameof(messages));
            }

            switch (message.Role)
            {
                case ChatRoles.System when i != 0:
                    throw new ArgumentException($"messages[{i}]: a system message must come first", nameof(messages));
                case ChatRoles.System or ChatRoles.User or ChatRoles.Assistant:
                    break;
                default:
                    throw new ArgumentException(
                        $"messages[{i}].Role is '{message.Role}', expected '{ChatRoles.System}', '{ChatRoles.User}' or '{ChatRoles.Assistant}'",
                        nameof(messages));
            }

            if (message.ImageCount < 0 || message.ImageCount > 0 && message.Role != ChatRoles.User)
            {
                throw new ArgumentException(
                    $"messages[{i}].ImageCount is {message.ImageCount}: expected >= 0, and images only on user messages",
                    nameof(messages));
            }
        }
    }
}
