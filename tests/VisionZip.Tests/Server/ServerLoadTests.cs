using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;
using VisionZip.Extensions.AI;
using VisionZip.Server;
using VisionZip.Tests.Chat;

namespace VisionZip.Tests.Server;

/// <summary>Admission limits under a burst, the API key, and a graceful shutdown, each on its own small server.</summary>
public sealed class ServerLoadTests(ChatFixture model) : IClassFixture<ChatFixture>
{
    private static StringContent Body(string question, bool stream = false) => new(JsonSerializer.Serialize(new
    {
        model = ServerFixture.ModelId,
        max_tokens = 4,
        stream,
        messages = new[] { new { role = "user", content = question } },
    }), Encoding.UTF8, "application/json");

    /// <summary>Holds the model (the client's only turn) until disposed, so requests pile up deterministically.</summary>
    private static async Task<IAsyncEnumerator<ChatResponseUpdate>> HoldModelAsync(VisionZipChatClient client)
    {
        var holder = client.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "hold")], new ChatOptions { MaxOutputTokens = 64 })
            .GetAsyncEnumerator();
        Assert.True(await holder.MoveNextAsync());
        return holder;
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (int i = 0; i < 600 && !condition(); i++)
        {
            await Task.Delay(50);
        }

        Assert.True(condition(), "condition not reached within 30 s");
    }

    [Fact]
    public async Task A_burst_of_100_requests_admits_only_the_limit_and_memory_stays_bounded()
    {
        const int admitted = 4;
        using var client = new VisionZipChatClient(model.Pipeline, new VisionZipChatClientOptions { MaxQueuedRequests = 8, MaxCachedConversations = 2 });
        await using var server = VisionZipServer.Create(client, new VisionZipServerOptions { Port = 0, MaxConcurrentRequests = admitted });
        await server.StartAsync();
        using var http = new HttpClient { BaseAddress = server.Address };
        GC.Collect();
        GC.WaitForPendingFinalizers();
        long managedBefore = GC.GetTotalMemory(forceFullCollection: true);

        var holder = await HoldModelAsync(client);
        var requests = Enumerable.Range(0, 100).Select(i => http.PostAsync("v1/chat/completions", Body($"Burst question {i}?"))).ToList();
        await WaitUntilAsync(() => requests.Count(r => r.IsCompleted) >= 100 - admitted);
        await WaitUntilAsync(() => client.PendingRequests == 1 + admitted);   // the holder and the admitted requests queue up
        Assert.Equal(100 - admitted, requests.Count(r => r.IsCompleted));     // ... and nothing else got in
        await holder.DisposeAsync();                                     // let the admitted requests run
        var responses = await Task.WhenAll(requests);

        Assert.Equal(admitted, responses.Count(r => r.StatusCode == HttpStatusCode.OK));
        var refused = responses.Where(r => r.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        Assert.Equal(100 - admitted, refused.Count);
        using (var error = JsonDocument.Parse(await refused[0].Content.ReadAsStringAsync()))
        {
            Assert.Equal("queue_full", error.RootElement.GetProperty("error").GetProperty("code").GetString());
        }

        foreach (var response in responses)
        {
            response.Dispose();
        }

        Assert.Equal(0, client.PendingRequests);
        Assert.True(client.CachedConversations <= 2, $"{client.CachedConversations} conversations kept, limit 2");
        GC.Collect();
        GC.WaitForPendingFinalizers();
        long grown = GC.GetTotalMemory(forceFullCollection: true) - managedBefore;
        Assert.True(grown < 64L * 1024 * 1024, $"managed memory grew by {grown / (1024 * 1024)} MiB after the burst");
    }

    [Fact]
    public async Task An_api_key_is_required_on_v1_but_not_on_health()
    {
        using var client = new VisionZipChatClient(model.Pipeline);
        await using var server = VisionZipServer.Create(client, new VisionZipServerOptions { Port = 0, ApiKey = "secret" });
        await server.StartAsync();
        using var http = new HttpClient { BaseAddress = server.Address };

        using var anonymous = await http.PostAsync("v1/chat/completions", Body("hi"));
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Contains("invalid_api_key", await anonymous.Content.ReadAsStringAsync());
        using var health = await http.GetAsync("health");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);

        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions") { Content = Body("hi") };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "secret");
        using var authorised = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, authorised.StatusCode);
    }

    [Fact]
    public async Task Shutdown_finishes_an_in_flight_streaming_request()
    {
        using var client = new VisionZipChatClient(model.Pipeline);
        await using var server = VisionZipServer.Create(client, new VisionZipServerOptions { Port = 0 });
        await server.StartAsync();
        using var http = new HttpClient { BaseAddress = server.Address };

        var holder = await HoldModelAsync(client);
        var inFlight = http.PostAsync("v1/chat/completions", Body("Still there?", stream: true));
        await WaitUntilAsync(() => client.PendingRequests == 2);         // the request waits for the model
        var stopping = server.StopAsync();
        await holder.DisposeAsync();
        using var response = await inFlight;
        string events = await response.Content.ReadAsStringAsync();
        await stopping;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.EndsWith("data: [DONE]\n\n", events, StringComparison.Ordinal);
    }
}
