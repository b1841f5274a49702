using System.Globalization;
using System.Text.Json;
using VisionZip.Cli.Commands;
using VisionZip.Cli.Infrastructure;
using VisionZip.Models;
using VisionZip.Models.Tuning;

namespace VisionZip.Cli.Pipelines;

/// <summary><c>tune</c>: load, prepare the teacher's answers, train with progress, save checkpoints, write the adapter.</summary>
internal static class TunePipeline
{
    /// <summary>Exit code after Ctrl-C: the checkpoint is saved, the adapter is not written.</summary>
    public const int InterruptedExitCode = 130;

    public static int Run(CliContext context, TuneRequest request)
    {
        using VisionLanguageModel pipeline = context.Status("Loading model", () => ModelLoader.Load(request.Model, request.Compute));
        using var distiller = context.Status("Teacher answering every image",
            () => ModelErrors.Wrap(request.Model, () => new ProjectorDistiller(pipeline, request.Examples, request.Options)));
        if (request.CheckpointPath is { } resumeFrom && File.Exists(resumeFrom))
        {
            distiller.Resume(resumeFrom);
            context.Error.WriteLine($"resumed from {resumeFrom} at step {distiller.StepsDone}");
        }

        using var cancel = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            e.Cancel = true;     // finish the current step, save, then exit
            cancel.Cancel();
        };
        Console.CancelKeyPress += onCancel;
        TuningReport report;
        try
        {
            var progress = new Progress(context, request, distiller);
            report = distiller.Train(progress, cancel.Token);
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }

        if (request.CheckpointPath is { } checkpoint)
        {
            distiller.SaveCheckpoint(checkpoint);
        }

        if (report.Stopped)
        {
            context.Error.WriteLine($"interrupted at step {report.Steps} of {request.Options.Steps}" +
                (request.CheckpointPath is null ? "; nothing saved (give --checkpoint to resume later)" : $"; state saved to {request.CheckpointPath}"));
            return InterruptedExitCode;
        }

        distiller.WriteAdapter(request.OutPath, report);
        if (request.Json)
        {
            context.Output.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["steps"] = report.Steps,
                ["train_examples"] = report.TrainExamples,
                ["heldout_examples"] = report.HeldOutExamples,
                ["heldout_kl_before"] = report.Before.MeanKl,
                ["heldout_kl_after"] = report.After.MeanKl,
                ["heldout_agreement_before"] = report.Before.Agreement,
                ["heldout_agreement_after"] = report.After.Agreement,
                ["budget"] = request.Options.Budget.ToString(),
                ["reducer"] = request.Options.Reducer,
                ["adapter"] = request.OutPath,
            }));
        }
        else
        {
            double cut = report.Before.MeanKl > 0 ? 1 - report.After.MeanKl / report.Before.MeanKl : 0;
            context.Output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"held-out KL {report.Before.MeanKl:0.####} -> {report.After.MeanKl:0.####} ({cut:P0} lower), greedy agreement " +
                $"{report.Before.Agreement:P0} -> {report.After.Agreement:P0} over {report.HeldOutExamples} held-out images; wrote {request.OutPath}"));
        }

        return 0;
    }

    // One line per step on stderr with a text bar (works piped too), and the checkpoint on schedule.
    private sealed class Progress(CliContext context, TuneRequest request, ProjectorDistiller distiller) : IProgress<TuningProgress>
    {
        public void Report(TuningProgress value)
        {
            if (request.CheckpointPath is { } checkpoint && request.SaveEvery > 0 && value.Step % request.SaveEvery == 0 && value.Step < value.Steps)
            {
                distiller.SaveCheckpoint(checkpoint);      // between steps: a consistent state
            }

            if (!request.Json)
            {
                string heldOut = value.HeldOut is { } h ? string.Create(CultureInfo.InvariantCulture, $"  held-out KL {h.MeanKl:0.####} agreement {h.Agreement:P0}") : "";
                context.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"step {value.Step}/{value.Steps}  {Bar(value.Step, value.Steps)}  loss {value.Loss:0.####}  KL {value.KlDivergence:0.####}  lr {value.LearningRate:0.###e0}{heldOut}"));
            }
        }

        private static string Bar(int step, int steps)
        {
            int filled = (int)Math.Round(20.0 * step / steps);
            return "[" + new string('#', filled) + new string('.', 20 - filled) + "]";
        }
    }
}
