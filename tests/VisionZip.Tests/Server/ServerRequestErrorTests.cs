using System.Net;
using System.Text;
using System.Text.Json;
using SkiaSharp;
using VisionZip.Tests.Chat;

namespace VisionZip.Tests.Server;

/// <summary>Bad requests get OpenAI-shaped 4xx errors; usage carries the visual-token counts.</summary>
public sealed class ServerRequestErrorTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private static string DataUrl(byte[] bytes, string mediaType = "image/png") => $"data:{mediaType};base64,{Convert.ToBase64String(bytes)}";

    private static string ImageRequest(string url, string model = ServerFixture.ModelId) => JsonSerializer.Serialize(new
    {
        model,
        max_tokens = 2,
        messages = new object[]
        {
            new { role = "user", content = new object[] { new { type = "text", text = "What is this?" }, new { type = "image_url", image_url = new { url } } } },
        },
    });

    private async Task<(HttpStatusCode Status, JsonElement Body)> PostAsync(string json)
    {
        // Expect: 100-continue (as curl sends for large bodies): a body refused by its Content-Length is never sent, so the
        // early 413 cannot race the upload.
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions") { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.ExpectContinue = true;
        using var response = await server.Http.SendAsync(request);
        string text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, JsonDocument.Parse(text).RootElement.Clone());
    }

    private static void AssertError(JsonElement body, string messagePart, string? code = null)
    {
        var error = body.GetProperty("error");
        Assert.Contains(messagePart, error.GetProperty("message").GetString(), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(JsonValueKind.String, error.GetProperty("type").ValueKind);
        if (code is not null)
        {
            Assert.Equal(code, error.GetProperty("code").GetString());
        }
    }

    [Fact]
    public async Task Usage_reports_visual_tokens_before_and_after()
    {
        var (status, body) = await PostAsync(ImageRequest(DataUrl(File.ReadAllBytes(ChatFixture.PhotoPath))));
        Assert.Equal(HttpStatusCode.OK, status);
        var usage = body.GetProperty("usage");
        Assert.Equal(576, usage.GetProperty("visual_tokens_before").GetInt32());
        Assert.Equal(64, usage.GetProperty("visual_tokens_after").GetInt32());
        Assert.Equal(usage.GetProperty("prompt_tokens").GetInt32() + 2, usage.GetProperty("total_tokens").GetInt32());
    }

    [Fact]
    public async Task Malformed_json_is_400()
    {
        var (status, body) = await PostAsync("{\"model\": ");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        AssertError(body, "not valid JSON");
    }

    [Fact]
    public async Task An_unknown_model_is_404_model_not_found()
    {
        var (status, body) = await PostAsync(ImageRequest(DataUrl(File.ReadAllBytes(ChatFixture.PhotoPath)), model: "gpt-4o"));
        Assert.Equal(HttpStatusCode.NotFound, status);
        AssertError(body, "gpt-4o", "model_not_found");
    }

    [Fact]
    public async Task A_remote_image_url_is_400()
    {
        var (status, body) = await PostAsync(ImageRequest("https://example.com/cat.png"));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        AssertError(body, "not fetched", "invalid_image_url");
    }

    [Fact]
    public async Task An_oversized_body_is_413()
    {
        var (status, body) = await PostAsync(ImageRequest(DataUrl(new byte[ServerFixture.BodyLimit])));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status);
        AssertError(body, "limit", "request_too_large");
    }

    [Fact]
    public async Task Too_many_pixels_is_400()
    {
        using var bitmap = new SKBitmap(1200, 1000);                   // 1.2 M pixels > the 1 M limit
        bitmap.Erase(SKColors.CornflowerBlue);
        using var png = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        var (status, body) = await PostAsync(ImageRequest(DataUrl(png.ToArray())));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        AssertError(body, "pixels", "invalid_image");
    }

    [Fact]
    public async Task Non_image_data_is_400()
    {
        var (status, body) = await PostAsync(ImageRequest(DataUrl("hello, not a picture"u8.ToArray())));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        AssertError(body, "image 0", "invalid_image");
    }

    [Fact]
    public async Task Tools_are_400()
    {
        string json = """
            {"model": "llava-1.5-tiny-hf", "messages": [{"role": "user", "content": "hi"}],
             "tools": [{"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}]}
            """;
        var (status, body) = await PostAsync(json);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        AssertError(body, "tools");
    }

    [Fact]
    public async Task Missing_messages_is_400_naming_the_field()
    {
        var (status, body) = await PostAsync("{\"model\": \"llava-1.5-tiny-hf\"}");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("messages", body.GetProperty("error").GetProperty("param").GetString());
    }

    [Fact]
    public async Task Health_answers()
    {
        using var response = await server.Http.GetAsync("health");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains(ServerFixture.ModelId, await response.Content.ReadAsStringAsync());
    }
}
