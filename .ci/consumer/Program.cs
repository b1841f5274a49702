// The README's IChatClient snippet, built by .ci/pack-and-consume from the packed packages only.
using Microsoft.Extensions.AI;
using VisionZip.Extensions.AI;

using IChatClient client = VisionZipChatClient.Load(args[0]);
var question = new ChatMessage(ChatRole.User,
    [new TextContent("What is shown in this image?"), new DataContent(File.ReadAllBytes(args[1]), "image/png")]);
var answer = await client.GetResponseAsync([question], new ChatOptions { MaxOutputTokens = 8 });
Console.WriteLine(answer.Text);
Console.WriteLine($"visual tokens: {answer.Usage!.AdditionalCounts!["visionzip.visual_tokens_after"]}");
