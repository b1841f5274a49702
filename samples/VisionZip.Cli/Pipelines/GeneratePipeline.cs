using System.Text.Json;
using TorchSharp;
using VisionZip.Cli.Commands;
using VisionZip.Cli.Infrastructure;
using VisionZip.Cli.Reporting;
using VisionZip.Models.IO;
using VisionZip.Models.Generation;
using VisionZip.Models.Language;
using VisionZip.Models.Llava;
using VisionZip.Models.Tokenization;
using static TorchSharp.torch;

namespace VisionZip.Cli.Pipelines;

/// <summary><c>generate</c>: prompt (+ images) -> prefill -> streamed decode; optional JSON summary and logits file.</summary>
public static class GeneratePipeline
{
    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = false };

    /// <summary>Runs the request; returns the exit code.</summary>
    public static int Run(CliContext context, GenerateRequest request)
    {
        using var model = context.Status("Loading model", () => ModelLoader.Load(request.Model, request.Compute));
        long[] promptIds = ModelLoader.PromptIds(model, request.Prompt, request.Raw, request.InputIds, request.Images.Count);
        ITextTokenizer? tokenizer = model.HasTokenizer ? model.Tokenizer : null;
        if (!model.HasVision)
        {
            using var scope = NewDisposeScope();
            var prompt = GenerationPrompt.FromIds(tensor(promptIds, [1, promptIds.Length]));
            Generate(context, request, model.LanguageModel, tokenizer, model.DefaultGenerationOptions, promptIds, prompt, 0, 0);
            return 0;
        }

        var options = request.Zip.ToOptions(model, ModelLoader.Mode(request.ImageMode));
        List<EncodedImage> images = ModelLoader.EncodeImages(model, request.Images, options);
        try
        {
            using Tensor embeds = model.EmbedPrompt(promptIds, images);                      // [1, T', hidden]
            int[] textIds = [.. promptIds.Where(id => id != model.Config.ImageTokenIndex).Select(id => (int)id)];
            var prompt = GenerationPrompt.FromEmbeddings(embeds, [textIds]);
            Generate(context, request, model.LanguageModel, tokenizer, model.DefaultGenerationOptions, promptIds, prompt,
                images.Sum(image => image.Stats.TokensBefore), images.Sum(image => image.Stats.TokensAfter));
            return 0;
        }
        finally
        {
            images.ForEach(image => image.Dispose());
        }
    }

    /// <summary>Generates from a prepared prompt and reports as the request asks.</summary>
    public static GenerationOutcome Generate(CliContext context, GenerateRequest request, ICausalLanguageModel model, ITextTokenizer? tokenizer,
        GenerationOptions defaults, long[] promptIds, GenerationPrompt prompt, int visualBefore, int visualAfter)
    {
        if (request.Stops.Count > 0 && tokenizer is null)
        {
            throw new CliUsageException($"--stop: needs tokenizer files in {request.Model.Path} to read the generated text");
        }

        GenerationOptions options = request.Sampling.Apply(defaults) with
        {
            MaxNewTokens = request.MaxNewTokens,
            StopStrings = [.. request.Stops],
            ReturnLogits = request.LogitsOut is not null,
        };
        if (options.DoSample && options.Seed is null)
        {
            options = options with { Seed = Random.Shared.NextInt64(0, long.MaxValue) }; // reported, so a run can be repeated
        }

        var streamer = new TokenStreamer(context.Output, tokenizer, enabled: !request.Json);
        using KvCache cache = model.CreateCache((int)Math.Min(model.ContextLength, (long)prompt.Length + request.MaxNewTokens));
        GenerationTrace trace = GenerationTrace.Run(model, tokenizer, prompt, options, cache, streamer.Write);
        streamer.Finish();

        if (request.LogitsOut is string logitsOut)
        {
            WriteLogits(logitsOut, promptIds, trace);
        }

        var outcome = new GenerationOutcome
        {
            Text = tokenizer?.Decode(trace.Tokens, skipSpecialTokens: true),
            TokenIds = trace.Tokens,
            PromptTokenIds = promptIds,
            VisualTokensBefore = visualBefore,
            VisualTokensAfter = visualAfter,
            PrefillTokens = prompt.Length,
            PrefillMs = trace.PrefillTime.TotalMilliseconds,
            DecodeTokensPerSecond = trace.DecodeTokensPerSecond,
            KvCacheBytes = trace.KvCacheBytes,
            FinishReason = trace.FinishReasonName,
            Seed = trace.Seed,
        };

        if (request.Json)
        {
            context.Output.WriteLine(JsonSerializer.Serialize(outcome, JsonOptions));
        }
        else
        {
            string visual = visualBefore == 0 ? "" : $", visual tokens {visualBefore} \u2192 {visualAfter}";
            context.Error.WriteLine(
                $"prefill {Formats.Milliseconds(trace.PrefillTime)} ({prompt.Length} tokens{visual}); {trace.Tokens.Count} tokens generated, " +
                $"{trace.DecodeTokensPerSecond:0.0} tokens/s; KV cache {Formats.Bytes(trace.KvCacheBytes)}; stopped: {trace.FinishReasonName}");
        }

        return outcome;
    }

    private static void WriteLogits(string path, long[] promptIds, GenerationTrace trace)
    {
        using var scope = NewDisposeScope();
        int steps = trace.StepLogits.Count;
        int vocab = trace.StepLogits[0].Length;
        float[] flat = new float[steps * vocab];
        for (int i = 0; i < steps; i++)
        {
            Array.Copy(trace.StepLogits[i], 0, flat, i * vocab, vocab);
        }

        var tensors = new Dictionary<string, Tensor>
        {
            ["input_ids"] = tensor(promptIds, [1, promptIds.Length]),
            ["prefill_logits"] = tensor(trace.StepLogits[0], [1, vocab]),
            ["step_logits"] = tensor(flat, [1, steps, vocab]),
            ["generated_ids"] = tensor(trace.Tokens.Select(t => (long)t).ToArray(), [1, trace.Tokens.Count]),
        };
        var metadata = new Dictionary<string, string> { ["format"] = "pt", ["producer"] = "visionzip generate" };
        AtomicFile.Write(path, "--logits-out", temporary => SafetensorsWriter.Write(temporary, tensors, metadata));
    }
}
