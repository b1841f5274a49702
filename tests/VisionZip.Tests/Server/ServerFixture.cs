using System.ClientModel;
using OpenAI;
using VisionZip.Extensions.AI;
using VisionZip.Server;
using VisionZip.Tests.Chat;

namespace VisionZip.Tests.Server;

/// <summary>The tiny LLaVA-1.5 checkpoint served on 127.0.0.1 (a free port) by a real Kestrel server.</summary>
public sealed class ServerFixture : IAsyncLifetime
{
    public const string ModelId = "llava-1.5-tiny-hf";

    public const long BodyLimit = 2 * 1024 * 1024;

    public const long PixelLimit = 1_000_000;

    public ChatFixture Model { get; } = new();

    public VisionZipChatClient Client { get; private set; } = null!;

    public VisionZipServer Server { get; private set; } = null!;

    public HttpClient Http { get; private set; } = null!;

    public Uri V1 => new(Server.Address, "v1");

    public OpenAI.Chat.ChatClient OpenAiChat(string model = ModelId) =>
        new(model, new ApiKeyCredential("unused"), new OpenAIClientOptions { Endpoint = V1 });

    public async Task InitializeAsync()
    {
        Client = new VisionZipChatClient(Model.Pipeline, new VisionZipChatClientOptions { MaxImagePixels = PixelLimit });
        Server = VisionZipServer.Create(Client, new VisionZipServerOptions { Port = 0, MaxRequestBodyBytes = BodyLimit, MaxConcurrentRequests = 16 });
        await Server.StartAsync();
        Http = new HttpClient { BaseAddress = Server.Address };
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        await Server.StopAsync();
        await Server.DisposeAsync();
        Client.Dispose();
        Model.Dispose();
    }
}
