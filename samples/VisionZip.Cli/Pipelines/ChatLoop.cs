using VisionZip.Models;
using VisionZip.Cli.Commands;
using VisionZip.Cli.Infrastructure;
using VisionZip.Cli.Reporting;
using VisionZip.Models.Generation;
using VisionZip.Models.Imaging;
using VisionZip.Models.Llava;

namespace VisionZip.Cli.Pipelines;

/// <summary>
/// <c>chat</c>: reads questions line by line (a terminal or a pipe), answers each with a kept KV cache so a follow-up
/// prefills only its own tokens, and reports per turn the prefill time and the tokens prefilled.
/// </summary>
public static class ChatLoop
{
    private const string Help = "commands: /image FILE (attach to the next question), /reset (start over), /exit; anything else is a question";

    /// <summary>Runs the conversation until <c>/exit</c> or the end of input; returns the exit code.</summary>
    public static int Run(CliContext context, ChatRequest request)
    {
        using VisionLanguageModel pipeline = context.Status("Loading model", () => ModelLoader.Load(request.Model, request.Compute));
        var encodeOptions = request.Zip.ToOptions(pipeline, ModelLoader.Mode(request.ImageMode));
        using var session = new ChatSession(pipeline, encodeOptions, contextPolicy: request.ContextPolicy);
        GenerationOptions options = request.Sampling.Apply(pipeline.DefaultGenerationOptions) with
        {
            MaxNewTokens = request.MaxNewTokens,
            StopStrings = [.. request.Stops],
        };
        var pending = new List<RgbImage>();
        if (request.Image is not null)
        {
            pending.Add(ModelLoader.Decode(request.Image));
        }

        bool interactive = ReferenceEquals(context.Input, Console.In) && !Console.IsInputRedirected;
        context.Error.WriteLine(
            $"chat with {Path.GetFileName(request.Model.Path)} ({(request.Zip.Enabled ? $"{request.Zip.Reducer} {request.Zip.BudgetFor(pipeline)}" : "vanilla")}); {Help}");
        while (true)
        {
            if (interactive)
            {
                context.Output.Write("> ");
                context.Output.Flush();
            }

            string? line = context.Input.ReadLine();
            if (line is null)
            {
                break;
            }

            line = line.Trim();
            if (line.Length == 0)
            {
                continue;
            }

            if (line is "/exit" or "/quit")
            {
                break;
            }

            if (line == "/reset")
            {
                session.Reset();
                pending.Clear();
                context.Error.WriteLine("(conversation reset: the next question starts a new one)");
                continue;
            }

            if (line.StartsWith('/'))
            {
                Command(context, line, pending);
                continue;
            }

            Ask(context, session, line, pending, options);
            pending.Clear();
        }

        return 0;
    }

    // In-session mistakes (a missing image, an unknown command) are reported and the conversation goes on.
    private static void Command(CliContext context, string line, List<RgbImage> pending)
    {
        string[] parts = line.Split(' ', 2, StringSplitOptions.TrimEntries);
        switch (parts[0])
        {
            case "/image" when parts.Length == 2 && parts[1].Length > 0:
                try
                {
                    string path = InputFile.Existing(parts[1].Trim('"'), "/image");
                    RgbImage image = ModelLoader.Decode(path, "/image");
                    pending.Add(image);
                    context.Error.WriteLine($"(image {Path.GetFileName(path)} {image.Width}\u00d7{image.Height} goes with the next question)");
                }
                catch (CliException e)
                {
                    context.Error.WriteLine($"{CliApp.Name}: error: {e.Message}");
                }

                break;
            case "/image":
                context.Error.WriteLine($"{CliApp.Name}: error: /image needs a file name");
                break;
            case "/help":
                context.Error.WriteLine(Help);
                break;
            default:
                context.Error.WriteLine($"{CliApp.Name}: error: unknown command {parts[0]} ({Help})");
                break;
        }
    }

    private static void Ask(CliContext context, ChatSession session, string question, List<RgbImage> images, GenerationOptions options)
    {
        int droppedBefore = session.TurnsDropped;
        ChatTurn turn;
        try
        {
            turn = session.AskAsync(question, [.. images], piece =>
            {
                context.Output.Write(Reporting.TerminalText.Escape(piece)); // model output must not drive the terminal
                context.Output.Flush();
            }, options).GetAwaiter().GetResult();
        }
        catch (Models.Errors.ContextFullException e)
        {
            // A full context ends this question, not the conversation: the next question goes on under the policy.
            context.Error.WriteLine($"{CliApp.Name}: context full: {e.Message}");
            return;
        }

        context.Output.WriteLine();
        if (session.TurnsDropped > droppedBefore)
        {
            context.Error.WriteLine($"(context full: dropped the {session.TurnsDropped - droppedBefore} oldest turn(s); {session.TurnsInContext} kept)");
        }

        int visual = turn.NewImages.Sum(image => image.TokensAfter);
        int visualBefore = turn.NewImages.Sum(image => image.TokensBefore);
        string imageNote = turn.NewImages.Count == 0 ? "" : $", {visual} of them visual ({visualBefore} without VisionZip)";
        double rate = turn.AnswerIds.Count > 1 && turn.DecodeTime > TimeSpan.Zero ? (turn.AnswerIds.Count - 1) / turn.DecodeTime.TotalSeconds : 0;
        context.Output.WriteLine(
            $"  [prefill {Formats.Milliseconds(turn.PrefillTime)}: {turn.PrefillTokens} tokens prefilled{imageNote}; " +
            $"{turn.CachedBefore} already cached; {turn.AnswerIds.Count} tokens at {rate:0.0} tokens/s]");
    }
}
