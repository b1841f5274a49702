using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using VisionZip.Extensions.AI;

namespace VisionZip.Server;

/// <summary>
/// <c>POST /v1/chat/completions</c>: admits at most <see cref="VisionZipServerOptions.MaxConcurrentRequests"/> requests
/// (429 beyond, before the body is read), reads the body within the size limit, answers with one JSON completion or an
/// SSE stream of chunks. Every failure before the first byte is an OpenAI-shaped error with its status.
/// </summary>
internal sealed class ChatCompletionsEndpoint(VisionZipChatClient client, VisionZipServerOptions options, ILogger logger)
{
    private int _admitted;

    public async Task HandleAsync(HttpContext http)
    {
        var cancellationToken = http.RequestAborted;
        if (Interlocked.Increment(ref _admitted) > options.MaxConcurrentRequests)
        {
            Interlocked.Decrement(ref _admitted);
            await WriteErrorAsync(http, new OpenAiException(429,
                $"the server is busy: {options.MaxConcurrentRequests} requests are already admitted; retry later", "rate_limit_error", "queue_full"));
            return;
        }

        try
        {
            var request = await ReadAsync(http, cancellationToken);
            if (request.Model != client.ModelId)
            {
                throw new OpenAiException(404, $"The model '{request.Model}' does not exist; this server serves '{client.ModelId}'",
                    code: "model_not_found", param: "model");
            }

            if (request.Stream)
            {
                await StreamAsync(http, request, cancellationToken);
            }
            else
            {
                var response = await client.GetResponseAsync(request.Messages, request.Options, cancellationToken);
                http.Response.ContentType = "application/json";
                await http.Response.Body.WriteAsync(OpenAiJson.Completion(response.ResponseId ?? "chatcmpl", Created(response.CreatedAt),
                    client.ModelId, response.Text, response.FinishReason, response.Usage), cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The client went away: nothing to answer.
        }
        catch (Exception e) when (Map(e) is { } error)
        {
            if (error.Status >= 500)
            {
                logger.LogError(e, "chat completion failed");
            }

            if (!http.Response.HasStarted)
            {
                await WriteErrorAsync(http, error);
            }
        }
        finally
        {
            Interlocked.Decrement(ref _admitted);
        }
    }

    public static Task WriteErrorAsync(HttpContext http, OpenAiException error)
    {
        http.Response.StatusCode = error.Status;
        http.Response.ContentType = "application/json";
        return http.Response.Body.WriteAsync(OpenAiJson.Error(error.Status, error.Message, error.Type, error.Code, error.Param)).AsTask();
    }

    private async Task<ChatCompletionRequest> ReadAsync(HttpContext http, CancellationToken cancellationToken)
    {
        if (http.Request.ContentLength > options.MaxRequestBodyBytes)
        {
            throw TooLarge(http.Request.ContentLength.Value);
        }

        try
        {
            using var document = await JsonDocument.ParseAsync(http.Request.Body, default, cancellationToken);
            return ChatCompletionRequest.Parse(document.RootElement);
        }
        catch (JsonException e)
        {
            throw OpenAiException.BadRequest($"the request body is not valid JSON ({e.Message})");
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            throw TooLarge(null);
        }
    }

    private OpenAiException TooLarge(long? size) => new(413,
        $"the request body{(size is null ? "" : $" ({size} bytes)")} is larger than the server's limit of {options.MaxRequestBodyBytes} bytes",
        code: "request_too_large");

    private async Task StreamAsync(HttpContext http, ChatCompletionRequest request, CancellationToken cancellationToken)
    {
        await using var updates = client.GetStreamingResponseAsync(request.Messages, request.Options, cancellationToken)
            .GetAsyncEnumerator(cancellationToken);
        bool more = await updates.MoveNextAsync();                       // errors (bad image, full queue) surface before any byte
        http.Response.ContentType = "text/event-stream";
        http.Response.Headers.CacheControl = "no-cache";
        bool first = true;
        UsageDetails? usage = null;
        while (more)
        {
            var update = updates.Current;
            usage = update.Contents.OfType<UsageContent>().FirstOrDefault()?.Details ?? usage;
            string id = update.ResponseId ?? "chatcmpl";
            long created = Created(update.CreatedAt);
            await SendAsync(http, OpenAiJson.Chunk(id, created, client.ModelId, update.Text, first, update.FinishReason, null), cancellationToken);
            first = false;
            more = await updates.MoveNextAsync();
            if (!more && request.IncludeUsage && usage is not null)
            {
                await SendAsync(http, OpenAiJson.Chunk(id, created, client.ModelId, null, false, null, usage), cancellationToken);
            }
        }

        await http.Response.Body.WriteAsync("data: [DONE]\n\n"u8.ToArray(), cancellationToken);
        await http.Response.Body.FlushAsync(cancellationToken);
    }

    private static async Task SendAsync(HttpContext http, byte[] json, CancellationToken cancellationToken)
    {
        await http.Response.Body.WriteAsync("data: "u8.ToArray(), cancellationToken);
        await http.Response.Body.WriteAsync(json, cancellationToken);
        await http.Response.Body.WriteAsync("\n\n"u8.ToArray(), cancellationToken);
        await http.Response.Body.FlushAsync(cancellationToken);
    }

    private static long Created(DateTimeOffset? at) => (at ?? DateTimeOffset.UtcNow).ToUnixTimeSeconds();

    private static OpenAiException? Map(Exception e) => e switch
    {
        OpenAiException error => error,
        VisionZipQueueFullException => new OpenAiException(429, e.Message, "rate_limit_error", "queue_full"),
        NotSupportedException => OpenAiException.BadRequest(e.Message),
        Models.Errors.ImageException or Models.Errors.ResourceLimitException or InvalidDataException => OpenAiException.BadRequest(e.Message, "messages", "invalid_image"),
        Models.Errors.ContextFullException => OpenAiException.BadRequest(e.Message, "messages", "context_length_exceeded"),
        Models.Errors.PromptException => OpenAiException.BadRequest(e.Message, "messages"),
        ArgumentException or FileNotFoundException => OpenAiException.BadRequest(e.Message),
        BadHttpRequestException bad => new OpenAiException(bad.StatusCode, e.Message),
        _ => new OpenAiException(500, $"internal error: {e.Message}", "server_error"),
    };
}
