using System.Text.Json;
using VisionZip.Models.Tokenization;
using VisionZip.Tests.Support;

namespace VisionZip.Tests.Tokenization;

public class ChatTemplateTests
{
    private const string Question = "What is shown in this image?";

    private static readonly ChatMessage[] TwoTurns =
    [
        ChatMessage.User("Q1", imageCount: 1),
        ChatMessage.Assistant("A1"),
        ChatMessage.User("Q2"),
    ];

    [Theory]
    [InlineData("llava-1.5-tiny-hf", "llava-1.5")]
    [InlineData("llava-next-tiny-patch14-112-hf", "mistral-instruct")]
    [InlineData("llava-interleave-qwen-tiny-hf", "chatml")]
    public void The_checkpoint_template_renders_and_encodes_to_the_golden_prompt(string folder, string family)
    {
        var template = ChatTemplate.FromCheckpoint(Fixtures.Path(folder));
        var tokenizer = TokenizerLoader.Load(Fixtures.Path(folder));

        string prompt = template.RenderSingleTurn(Question);

        Assert.Equal(family, template.Name);
        Assert.Equal(TokenizerFixtureTests.Prompt(folder), prompt);
        Assert.Equal(TokenizerFixtureTests.ReadIds(folder, "input_ids"), tokenizer.Encode(prompt).Select(id => (long)id));
    }

    [Fact]
    public void Golden_chat_messages_render_to_the_golden_prompt()
    {
        const string folder = "llava-interleave-qwen-tiny-hf";
        var golden = TokenizerFixtureTests.GoldenJson(folder);
        var messages = golden.GetProperty("chat_messages").EnumerateArray().Select(ToMessage).ToArray();

        string prompt = ChatTemplate.FromCheckpoint(Fixtures.Path(folder))
            .Render(messages, golden.GetProperty("add_generation_prompt").GetBoolean());

        Assert.Equal(golden.GetProperty("prompt").GetString(), prompt);
    }

    [Fact]
    public void Llava15_renders_one_and_two_turns()
    {
        var template = ChatTemplate.Llava15();

        Assert.Equal("USER: <image>\nQ1 ASSISTANT:", template.Render(TwoTurns[..1], addGenerationPrompt: true));
        Assert.Equal("USER: <image>\nQ1 ASSISTANT: A1</s>USER: Q2 ASSISTANT:", template.Render(TwoTurns, addGenerationPrompt: true));
        Assert.Equal("Be brief. USER: <image>\n<image>\nQ ASSISTANT:",
            template.Render([ChatMessage.System("Be brief."), ChatMessage.User("Q", 2)], addGenerationPrompt: true));
    }

    [Fact]
    public void Mistral_renders_one_and_two_turns()
    {
        var template = ChatTemplate.MistralInstruct();

        Assert.Equal("[INST] <image>\nQ1 [/INST]", template.Render(TwoTurns[..1], addGenerationPrompt: true));
        Assert.Equal("[INST] <image>\nQ1 [/INST] A1</s>[INST] Q2 [/INST]", template.Render(TwoTurns, addGenerationPrompt: true));
        Assert.Equal("<<SYS>>\nS\n<</SYS>>\n\n[INST] Q [/INST]",
            template.Render([ChatMessage.System("S"), ChatMessage.User("Q")], addGenerationPrompt: false));
    }

    [Fact]
    public void ChatMl_renders_one_and_two_turns_in_both_forms()
    {
        var interleave = ChatTemplate.ChatMl(newlineBeforeText: true);
        var plain = ChatTemplate.ChatMl(newlineBeforeText: false);

        Assert.Equal("<|im_start|>user\n<image>\nQ1<|im_end|>\n<|im_start|>assistant\n",
            interleave.Render(TwoTurns[..1], addGenerationPrompt: true));
        Assert.Equal(
            "<|im_start|>user\n<image>\nQ1<|im_end|>\n<|im_start|>assistant\n\nA1<|im_end|>\n" +
            "<|im_start|>user\n\nQ2<|im_end|>\n<|im_start|>assistant\n",
            interleave.Render(TwoTurns, addGenerationPrompt: true));
        Assert.Equal(
            "<|im_start|>user\n<image>\nQ1<|im_end|>\n<|im_start|>assistant\nA1<|im_end|>\n" +
            "<|im_start|>user\nQ2<|im_end|>\n",
            plain.Render(TwoTurns, addGenerationPrompt: false));
    }

    [Theory]
    [InlineData("USER: {prompt} ASSISTANT: {response}</s>", "llava-1.5")]
    [InlineData("[INST] {prompt} [/INST] {response}</s>", "mistral")]
    [InlineData("<|im_start|>user\n{prompt}<|im_end|>\n<|im_start|>assistant\n{response}<|im_end|>\n", "chatml-plain")]
    public void A_format_string_reproduces_the_built_in_families(string format, string family)
    {
        var custom = ChatTemplate.Parse(format);
        var builtIn = ChatTemplate.Parse(family);

        Assert.Equal("format", custom.Name);
        Assert.Equal(builtIn.Render(TwoTurns[..1], true), custom.Render(TwoTurns[..1], true));
        Assert.Equal(builtIn.Render(TwoTurns, true), custom.Render(TwoTurns, true));
    }

    [Fact]
    public void Detect_reads_the_markers_of_a_jinja_template_then_the_model_type()
    {
        Assert.Equal("mistral-instruct", ChatTemplate.Detect("{{ '[INST] ' }}...{{' [/INST]' }}").Name);
        Assert.Equal("chatml", ChatTemplate.Detect("{{'<|im_start|>' + message['role'] + '\\n'}}").Name);
        Assert.Equal("llava-1.5", ChatTemplate.Detect("{{ message['role'].upper() + ': '}}").Name);
        Assert.Equal("mistral-instruct", ChatTemplate.Detect(null, "mistral").Name);
        Assert.Equal("chatml", ChatTemplate.Detect(null, "qwen2").Name);
        Assert.Equal("llava-1.5", ChatTemplate.Detect(null, "llama").Name);

        // ChatML without the interleave "'\n' + content['text']" writes "<image>\n" and the text directly
        var plain = ChatTemplate.Detect("{{'<|im_start|>' + message['role'] + '\\n'}}{{ '<image>\\n' }}{{ content['text'] }}");
        Assert.Equal("<|im_start|>user\n<image>\nQ<|im_end|>\n", plain.Render([ChatMessage.User("Q", 1)], false));
    }

    [Theory]
    [InlineData("no placeholder")]
    [InlineData("{prompt} {prompt}")]
    [InlineData("{response} {prompt}")]
    public void Bad_format_strings_are_rejected(string format)
    {
        var error = Assert.Throws<ArgumentException>(() => ChatTemplate.FromFormat(format));
        Assert.Contains(format, error.Message);
    }

    [Fact]
    public void Unknown_template_names_are_rejected()
    {
        var error = Assert.Throws<ArgumentException>(() => ChatTemplate.Parse("jinja"));
        Assert.Contains("jinja", error.Message);
    }

    [Fact]
    public void Malformed_conversations_are_rejected()
    {
        var template = ChatTemplate.Llava15();

        Assert.Contains("no messages", Assert.Throws<ArgumentException>(() => template.Render([], true)).Message);
        Assert.Contains("'bot'", Assert.Throws<ArgumentException>(() => template.Render([new ChatMessage("bot", "x")], true)).Message);
        Assert.Contains("messages[1]", Assert.Throws<ArgumentException>(
            () => template.Render([ChatMessage.User("x"), ChatMessage.System("s")], true)).Message);
        Assert.Contains("ImageCount", Assert.Throws<ArgumentException>(
            () => template.Render([ChatMessage.User("x"), new ChatMessage(ChatRoles.Assistant, "y", 1)], true)).Message);
        Assert.Contains("alternate", Assert.Throws<ArgumentException>(
            () => ChatTemplate.FromFormat("{prompt}").Render([ChatMessage.User("a"), ChatMessage.User("b")], true)).Message);
    }

    // transformers' message form: {"role": ..., "content": [{"type": "image"}, {"type": "text", "text": ...}]}
    private static ChatMessage ToMessage(JsonElement message)
    {
        var content = message.GetProperty("content").EnumerateArray().ToArray();
        int images = content.Count(part => part.GetProperty("type").GetString() == "image");
        string text = string.Concat(content.Where(part => part.GetProperty("type").GetString() == "text")
            .Select(part => part.GetProperty("text").GetString()));
        return new ChatMessage(message.GetProperty("role").GetString()!, text, images);
    }
}
