using System.Net;
using System.Text;
using System.Text.Json;
using VisionZip.Tests.Chat;

namespace VisionZip.Tests.Server;

/// <summary>
/// Request shapes other OpenAI clients send (Python SDK, LangChain, Semantic Kernel, curl), as raw JSON following the
/// OpenAI chat-completions reference: string content, the developer role, max_completion_tokens, n, seed,
/// response_format text, tool_choice none without tools, unknown fields; and GET /v1/models/{id}.
/// </summary>
public sealed class ServerClientShapeTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private static readonly string PhotoUrl = $"data:image/png;base64,{Convert.ToBase64String(File.ReadAllBytes(ChatFixture.PhotoPath))}";

    private async Task<(HttpStatusCode Status, JsonElement Body)> PostAsync(string json)
    {
        using var content = new StringContent(json, Encoding.UTF8, "application/json");
        using var response = await server.Http.PostAsync("v1/chat/completions", content);
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone());
    }

    private static int CompletionTokens(JsonElement body) => body.GetProperty("usage").GetProperty("completion_tokens").GetInt32();

    [Fact]
    public async Task Developer_role_string_content_and_max_completion_tokens_are_accepted()
    {
        string json = $$$"""
            {"model": "{{{ServerFixture.ModelId}}}",
             "messages": [
               {"role": "developer", "content": "You are a helpful assistant."},
               {"role": "user", "content": [{"type": "text", "text": "What is in this image?"},
                                            {"type": "image_url", "image_url": {"url": "{{{PhotoUrl}}}", "detail": "low"}}]}],
             "max_completion_tokens": 3, "seed": 7, "response_format": {"type": "text"}, "n": 1,
             "tool_choice": "none", "parallel_tool_calls": false, "user": "someone", "logit_bias": {}, "store": false}
            """;

        var (status, body) = await PostAsync(json);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(3, CompletionTokens(body));
        Assert.Equal(64, body.GetProperty("usage").GetProperty("visual_tokens_after").GetInt32());
        Assert.Equal("assistant", body.GetProperty("choices")[0].GetProperty("message").GetProperty("role").GetString());
    }

    [Fact]
    public async Task A_text_only_string_content_request_is_answered()
    {
        string json = $$"""{"model": "{{ServerFixture.ModelId}}", "messages": [{"role": "user", "content": "Say hello."}], "max_tokens": 2}""";

        var (status, body) = await PostAsync(json);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(2, CompletionTokens(body));
    }

    [Fact]
    public async Task Stop_as_a_string_or_an_array_cuts_the_reply_before_the_stop_text()
    {
        static string Request(string? stop) => $$"""
            {"model": "{{ServerFixture.ModelId}}", "messages": [{"role": "user", "content": "Describe a cup."}], "max_tokens": 12{{stop}}}
            """;
        static string Reply(JsonElement body) => body.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString()!;

        var (_, free) = await PostAsync(Request(null));
        string stop = Reply(free).Substring(3, 2);
        string expected = Reply(free)[..Reply(free).IndexOf(stop, StringComparison.Ordinal)];
        string stopJson = JsonSerializer.Serialize(stop);

        var (asString, stringBody) = await PostAsync(Request($", \"stop\": {stopJson}"));
        var (asArray, arrayBody) = await PostAsync(Request($", \"stop\": [\"never-generated-\u00e9\", {stopJson}]"));

        Assert.Equal(HttpStatusCode.OK, asString);
        Assert.Equal(HttpStatusCode.OK, asArray);
        Assert.Equal(expected, Reply(stringBody));
        Assert.Equal(expected, Reply(arrayBody));
        Assert.Equal("stop", stringBody.GetProperty("choices")[0].GetProperty("finish_reason").GetString());
    }

    [Fact]
    public async Task N_other_than_one_is_400_naming_n()
    {
        string json = $$"""{"model": "{{ServerFixture.ModelId}}", "messages": [{"role": "user", "content": "Hi"}], "n": 2}""";

        var (status, body) = await PostAsync(json);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("n", body.GetProperty("error").GetProperty("param").GetString());
    }

    [Fact]
    public async Task Get_model_by_id_returns_the_served_model_and_404s_another()
    {
        using var served = await server.Http.GetAsync($"v1/models/{ServerFixture.ModelId}");
        var model = JsonDocument.Parse(await served.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        Assert.Equal(ServerFixture.ModelId, model.GetProperty("id").GetString());
        Assert.Equal("model", model.GetProperty("object").GetString());

        using var other = await server.Http.GetAsync("v1/models/gpt-4o");
        var error = JsonDocument.Parse(await other.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
        Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);
        Assert.Equal("model_not_found", error.GetProperty("code").GetString());
    }

    [Fact]
    public async Task Cors_is_off_by_default()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "v1/models");
        request.Headers.Add("Origin", "https://example.com");
        using var response = await server.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"));
    }
}
