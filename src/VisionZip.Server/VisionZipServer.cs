using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using VisionZip.Extensions.AI;

namespace VisionZip.Server;

/// <summary>
/// An OpenAI-compatible HTTP server over one <see cref="VisionZipChatClient"/> (ASP.NET Core minimal API):
/// <c>POST /v1/chat/completions</c> (JSON or SSE), <c>GET /v1/models</c>, <c>GET /v1/models/{id}</c> and <c>GET /health</c>.
/// </summary>
/// <remarks>
/// Stateless per request (a replica needs nothing from another; the client's conversation cache is only a speed-up), so
/// replicas behind any HTTP load balancer scale out. Binds to loopback unless told otherwise. Stopping lets in-flight
/// requests finish (up to <see cref="VisionZipServerOptions.ShutdownTimeout"/>). The client stays owned by the caller.
/// Logging goes where <c>configureLogging</c> sends it (nowhere by default).
/// </remarks>
public sealed class VisionZipServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private VisionZipServer(WebApplication app) => _app = app;

    /// <summary>The address the server listens on (the real port when <see cref="VisionZipServerOptions.Port"/> is 0); valid after <see cref="StartAsync"/>.</summary>
    public Uri Address => new(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());

    /// <summary>Builds a server for <paramref name="client"/>.</summary>
    /// <param name="client">The chat client to serve (not owned).</param>
    /// <param name="options">Address, API key, limits; null = defaults (127.0.0.1:8080).</param>
    /// <param name="configureLogging">Adds logging providers (e.g. the console); null = no logging.</param>
    /// <exception cref="ArgumentException">Invalid options.</exception>
    public static VisionZipServer Create(VisionZipChatClient client, VisionZipServerOptions? options = null,
        Action<ILoggingBuilder>? configureLogging = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        options ??= new VisionZipServerOptions();
        options.Validate();
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders();
        configureLogging?.Invoke(builder.Logging);
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = options.ShutdownTimeout);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = options.MaxRequestBodyBytes;
            var address = options.Host == "localhost" ? IPAddress.Loopback : IPAddress.Parse(options.Host);
            kestrel.Listen(address, options.Port);
        });

        var app = builder.Build();
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("VisionZip.Server");
        var chat = new ChatCompletionsEndpoint(client, options, logger);
        long created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        if (options.ApiKey is { Length: > 0 } key)
        {
            app.Use(async (http, next) =>
            {
                if (http.Request.Path.StartsWithSegments("/v1") && http.Request.Headers.Authorization.ToString() != $"Bearer {key}")
                {
                    await ChatCompletionsEndpoint.WriteErrorAsync(http,
                        new OpenAiException(401, "Incorrect API key provided (send 'Authorization: Bearer <key>')", code: "invalid_api_key"));
                    return;
                }

                await next(http);
            });
        }

        app.MapPost("/v1/chat/completions", chat.HandleAsync);
        app.MapGet("/v1/models", (HttpContext http) => Json(http, OpenAiJson.Models(client.ModelId, created)));
        app.MapGet("/v1/models/{id}", (HttpContext http, string id) => id == client.ModelId
            ? Json(http, OpenAiJson.Model(client.ModelId, created))
            : ChatCompletionsEndpoint.WriteErrorAsync(http, new OpenAiException(404,
                $"The model '{id}' does not exist (this server serves '{client.ModelId}')", code: "model_not_found", param: "model")));
        app.MapGet("/health", (HttpContext http) => Json(http,
            System.Text.Encoding.UTF8.GetBytes($"{{\"status\":\"ok\",\"model\":\"{client.ModelId}\",\"pending\":{client.PendingRequests}}}")));
        app.MapFallback((HttpContext http) => ChatCompletionsEndpoint.WriteErrorAsync(http,
            new OpenAiException(404, $"no route {http.Request.Method} {http.Request.Path}", code: "not_found")));
        return new VisionZipServer(app);
    }

    /// <summary>Starts listening.</summary>
    /// <param name="cancellationToken">Aborts the start.</param>
    public Task StartAsync(CancellationToken cancellationToken = default) => _app.StartAsync(cancellationToken);

    /// <summary>Stops accepting requests and waits for in-flight ones (up to the shutdown timeout).</summary>
    /// <param name="cancellationToken">Cuts the wait short.</param>
    public Task StopAsync(CancellationToken cancellationToken = default) => _app.StopAsync(cancellationToken);

    /// <summary>Runs until <paramref name="cancellationToken"/> fires or the process is asked to stop (Ctrl+C, SIGTERM), then shuts down gracefully.</summary>
    /// <param name="cancellationToken">Stops the server.</param>
    public async Task RunAsync(CancellationToken cancellationToken = default)
    {
        await _app.StartAsync(cancellationToken);
        await WaitForShutdownAsync(cancellationToken);
    }

    /// <summary>After <see cref="StartAsync"/>: waits for Ctrl+C, SIGTERM or <paramref name="cancellationToken"/>, then shuts down gracefully.</summary>
    /// <param name="cancellationToken">Stops the server.</param>
    public Task WaitForShutdownAsync(CancellationToken cancellationToken = default) => _app.WaitForShutdownAsync(cancellationToken);

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _app.DisposeAsync();

    private static Task Json(HttpContext http, byte[] body)
    {
        http.Response.ContentType = "application/json";
        return http.Response.Body.WriteAsync(body).AsTask();
    }
}
