using System.CommandLine;
using Microsoft.Extensions.Logging;
using VisionZip.Cli.Infrastructure;
using VisionZip.Cli.Options;
using VisionZip.Extensions.AI;
using VisionZip.Server;

namespace VisionZip.Cli.Commands;

/// <summary>
/// <c>visionzip serve --model DIR [--host 127.0.0.1] [--port 8080]</c>: an OpenAI-compatible server
/// (<c>/v1/chat/completions</c>, <c>/v1/models</c>, <c>/health</c>) until Ctrl+C or SIGTERM, which finish in-flight requests.
/// </summary>
internal sealed class ServeCommand
{
    private readonly CliContext _context;
    private readonly Option<string> _model = new("--model") { Description = "llava-hf checkpoint directory; its name is the served model id.", HelpName = "DIR", Required = true };
    private readonly Option<string> _host = new("--host") { Description = "Address to bind (loopback by default).", HelpName = "IP", DefaultValueFactory = _ => "127.0.0.1" };
    private readonly Option<int> _port = new("--port") { Description = "TCP port (0 = any free port).", HelpName = "N", DefaultValueFactory = _ => 8080 };
    private readonly Option<string?> _apiKey = new("--api-key") { Description = "Require 'Authorization: Bearer KEY' (default: $VISIONZIP_API_KEY, or none).", HelpName = "KEY" };
    private readonly Option<string> _budget = new("--budget") { Description = "VisionZip dominant+contextual tokens per image, or 'none' for vanilla.", HelpName = "D+C", DefaultValueFactory = _ => "54+10" };
    private readonly Option<int> _maxConcurrent = new("--max-concurrent") { Description = "Requests admitted at once (running + queued); more get 429.", HelpName = "N", DefaultValueFactory = _ => 8 };
    private readonly Option<int> _maxBodyMb = new("--max-body-mb") { Description = "Largest request body in MiB; larger gets 413.", HelpName = "N", DefaultValueFactory = _ => 16 };
    private readonly Option<string[]> _adapters = CommonOptions.ProjectorAdapter();
    private readonly Option<long> _maxPixels = new("--max-image-pixels") { Description = "Largest image in pixels; larger gets 400.", HelpName = "N", DefaultValueFactory = _ => 40_000_000 };

    /// <summary>Creates the command bound to <paramref name="context"/>.</summary>
    public ServeCommand(CliContext context)
    {
        _context = context;
        Command = new Command("serve", "Serve a LLaVA checkpoint over an OpenAI-compatible HTTP API (chat completions with images, SSE streaming).");
        foreach (var option in new Option[] { _model, _host, _port, _apiKey, _budget, _maxConcurrent, _maxBodyMb, _maxPixels, _adapters })
        {
            Command.Options.Add(option);
        }

        Command.SetAction(Run);
    }

    /// <summary>The System.CommandLine command.</summary>
    public Command Command { get; }

    private int Run(ParseResult parse)
    {
        string model = parse.GetValue(_model)!;
        if (!Directory.Exists(model))
        {
            throw new CliUsageException($"--model {Path.GetFullPath(model)}: no such directory");
        }

        string budget = parse.GetValue(_budget)!;
        var clientOptions = new VisionZipChatClientOptions { MaxImagePixels = parse.GetValue(_maxPixels), MaxQueuedRequests = parse.GetValue(_maxConcurrent) };
        try
        {
            if (budget == ReducerNames.None)
            {
                clientOptions.Reducer = ReducerNames.None;
            }
            else
            {
                var parts = budget.Split('+');
                clientOptions.Budget = parts.Length == 2 && int.TryParse(parts[0], out int dominant) && int.TryParse(parts[1], out int contextual)
                    ? new ZipBudget(dominant, contextual)
                    : throw new CliUsageException($"--budget must be 'dominant+contextual' like 54+10 or 'none', got '{budget}'");
            }

            var serverOptions = new VisionZipServerOptions
            {
                Host = parse.GetValue(_host)!,
                Port = parse.GetValue(_port),
                ApiKey = parse.GetValue(_apiKey) ?? Environment.GetEnvironmentVariable("VISIONZIP_API_KEY"),
                MaxConcurrentRequests = parse.GetValue(_maxConcurrent),
                MaxRequestBodyBytes = parse.GetValue(_maxBodyMb) * 1024L * 1024L,
            };
            foreach (string adapter in parse.GetValue(_adapters) ?? [])
            {
                clientOptions.ProjectorAdapters.Add(InputFile.Existing(adapter, "--projector-adapter"));
            }

            serverOptions.Validate();
            clientOptions.Validate();
            using var client = Pipelines.ModelLoader.AfterLoading(LoadClient(model, clientOptions));
            var server = VisionZipServer.Create(client, serverOptions, logging => logging.AddSimpleConsole().SetMinimumLevel(LogLevel.Information).AddFilter("Microsoft.AspNetCore", LogLevel.Warning));
            server.StartAsync().GetAwaiter().GetResult();
            _context.Output.WriteLine($"serving '{client.ModelId}' on {server.Address} (POST /v1/chat/completions, GET /v1/models, GET /health); Ctrl+C stops");
            server.WaitForShutdownAsync().GetAwaiter().GetResult();
            server.DisposeAsync().AsTask().GetAwaiter().GetResult();
            return 0;
        }
        catch (ArgumentException e)
        {
            throw new CliUsageException(e.Message);
        }
    }

    // A refused projector adapter names the option and the file, as generate and chat do.
    private static VisionZipChatClient LoadClient(string model, VisionZipChatClientOptions options)
    {
        try
        {
            return VisionZipChatClient.Load(model, options);
        }
        catch (InvalidDataException e) when (options.ProjectorAdapters.Any(a => e.Message.Contains(a, StringComparison.Ordinal)))
        {
            throw new CliException($"--projector-adapter {CliApp.OneLine(e.Message)}", e);
        }
    }
}
