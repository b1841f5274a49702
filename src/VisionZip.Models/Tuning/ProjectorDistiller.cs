using TorchSharp;
using VisionZip.Models.Generation;
using VisionZip.Models.Imaging;
using VisionZip.Models.Llava;
using static TorchSharp.torch;

namespace VisionZip.Models.Tuning;

/// <summary>
/// VisionZip‡ by self-distillation: tunes only the multi-modal projector so the language model, fed the reduced visual
/// tokens, answers as it does with all of them. The vanilla model is the teacher (its greedy answer of K tokens and its
/// full next-token distributions at those K positions are computed once per example); the student runs the reduced
/// tokens through a trainable copy of the projector, teacher-forced on the teacher's answer, and minimises
/// KL(teacher || student) over the answer positions (plus, optionally, cross-entropy on user-given answers).
/// </summary>
/// <remarks>
/// <para>Everything but the projector is frozen: the encoder and the language model run with weights that never require
/// gradients, the encoder under <c>no_grad</c>, and the loaded projector is not touched (the trainable copy is; write it
/// with <see cref="WriteAdapter"/>). AdamW with linear warm-up and cosine decay, global-norm gradient clipping and
/// gradient accumulation; the example order and the held-out split come from <see cref="ProjectorTuningOptions.Seed"/>,
/// so a seed gives the same adapter on a CPU.</para>
/// <para>Single-tile LLaVA checkpoints (LLaVA-1.5, LLaVA-Interleave). Not thread-safe; dispose it.</para>
/// </remarks>
public sealed class ProjectorDistiller : IDisposable
{
    private readonly VisionLanguageModel _model;
    private readonly IVisualTokenReducer _reducer;
    private readonly TrainableProjector _projector;
    private readonly List<DistillationExample> _train = [];
    private readonly List<DistillationExample> _heldOut = [];
    private readonly HeldOutScores _before;

    /// <summary>Prepares a run: splits the examples, encodes every image once and lets the teacher answer each.</summary>
    /// <param name="model">The loaded LLaVA model (not owned; its weights are never changed).</param>
    /// <param name="examples">At least two examples (one is held out).</param>
    /// <param name="options">The run's settings.</param>
    /// <exception cref="ArgumentException">Invalid options, fewer than two examples, or a budget that does not fit the encoder.</exception>
    /// <exception cref="NotSupportedException">A LLaVA-NeXT (multi-tile) model.</exception>
    public ProjectorDistiller(VisionLanguageModel model, IReadOnlyList<TuningExample> examples, ProjectorTuningOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(examples);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (model.Kind is not (CheckpointKind.Llava15 or CheckpointKind.LlavaInterleave))
        {
            throw new NotSupportedException(
                $"{model.Directory}: projector tuning supports single-tile LLaVA checkpoints (LLaVA-1.5, LLaVA-Interleave); this is {model.Kind}");
        }

        if (examples.Count < 2)
        {
            throw new ArgumentException($"projector tuning needs at least 2 examples (one is held out); got {examples.Count}", nameof(examples));
        }

        _model = model;
        Options = options;
        _reducer = VisualTokenReducers.Create(options.Reducer, options.Budget);
        _reducer.OutputTokenCount(model.VisionTower.FeatureTokenCount, model.VisionTower.HasCls);

        var order = Shuffled(examples.Count, new Random(unchecked((int)options.Seed)));
        int heldOut = Math.Clamp((int)Math.Round(examples.Count * options.HeldOutFraction), 1, examples.Count - 1);
        _projector = new TrainableProjector(model.Projector);
        try
        {
            for (int i = 0; i < order.Length; i++)
            {
                var prepared = Prepare(examples[order[i]]);
                (i < heldOut ? _heldOut : _train).Add(prepared);
            }
        }
        catch
        {
            Dispose();
            throw;
        }

        _before = Evaluate();
    }

    /// <summary>The run's settings.</summary>
    public ProjectorTuningOptions Options { get; }

    /// <summary>Optimizer steps taken so far (including those of a resumed checkpoint).</summary>
    public int StepsDone => _projector.Step;

    /// <summary>Examples trained on.</summary>
    public int TrainCount => _train.Count;

    /// <summary>Examples held out for evaluation.</summary>
    public int HeldOutCount => _heldOut.Count;

    /// <summary>Mean KL and greedy agreement of the current projector on the held-out examples.</summary>
    public HeldOutScores Evaluate()
    {
        double kl = 0;
        double agree = 0;
        using var noGrad = no_grad();
        foreach (var example in _heldOut)
        {
            using var scope = NewDisposeScope();
            var studentLogProbs = StudentLogProbs(example, example.TeacherAnswer);                         // [K, V]
            kl += KlDivergence(example.TeacherLogProbs, studentLogProbs).item<float>();
            using var teacher = tensor(example.TeacherAnswer, device: studentLogProbs.device);
            agree += studentLogProbs.argmax(-1).eq(teacher).to(ScalarType.Float32).mean().item<float>();
        }

        return new HeldOutScores(kl / _heldOut.Count, agree / _heldOut.Count);
    }

    /// <summary>
    /// Trains until <see cref="ProjectorTuningOptions.Steps"/> steps are done (or cancellation, checked between steps, which
    /// leaves the projector consistent at the last finished step).
    /// </summary>
    /// <param name="progress">Receives every step's loss (and held-out scores when evaluated), or null.</param>
    /// <param name="cancellationToken">Stops the run between steps.</param>
    public TuningReport Train(IProgress<TuningProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var order = new Random(unchecked((int)(Options.Seed * 7919 + 17)));
        var queue = new Queue<int>();
        // Replay the order of the steps already done (a resumed run continues the same sequence).
        for (int skipped = 0; skipped < _projector.Step * Options.GradientAccumulation; skipped++)
        {
            Next(queue, order);
        }

        bool stopped = false;
        while (_projector.Step < Options.Steps)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                stopped = true;
                break;
            }

            int step = _projector.Step;
            double rate = LearningRateSchedule.At(step, Options.Steps, Options.WarmupSteps, Options.LearningRate);
            double loss = 0;
            double kl = 0;
            _projector.ZeroGradients();
            for (int micro = 0; micro < Options.GradientAccumulation; micro++)
            {
                var (exampleLoss, exampleKl) = Backward(_train[Next(queue, order)]);
                loss += exampleLoss / Options.GradientAccumulation;
                kl += exampleKl / Options.GradientAccumulation;
            }

            double norm = _projector.ClipGradients(Options.MaxGradientNorm);
            _projector.Update(rate, Options.WeightDecay);
            bool evaluate = _projector.Step == Options.Steps || (Options.EvaluateEvery > 0 && _projector.Step % Options.EvaluateEvery == 0);
            progress?.Report(new TuningProgress(_projector.Step, Options.Steps, loss, kl, rate, norm, evaluate ? Evaluate() : null));
        }

        return new TuningReport(_projector.Step, _train.Count, _heldOut.Count, _before, Evaluate(), stopped);
    }

    /// <summary>The tuned projector's weights, by projector parameter name, in the model's dtype on the CPU (caller disposes).</summary>
    public Dictionary<string, Tensor> ProjectorWeights() => _projector.Export(_model.Projector.DType);

    /// <summary>Writes the tuned projector as an adapter file (atomically), with the base checkpoint's fingerprint and the scores.</summary>
    /// <param name="path">The adapter file (safetensors).</param>
    /// <param name="report">The run's report (held-out scores go into the metadata).</param>
    public void WriteAdapter(string path, TuningReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var weights = ProjectorWeights();
        try
        {
            var adapter = new ProjectorAdapter(weights, CheckpointFingerprint.Compute(_model.Directory), Options.Budget, Options.Reducer,
                report.Steps, report.Before, report.After);
            adapter.Write(path);
        }
        finally
        {
            foreach (var tensor in weights.Values)
            {
                tensor.Dispose();
            }
        }
    }

    /// <summary>Writes a resumable checkpoint: weights, AdamW moments, the step and the settings that must match on resume.</summary>
    /// <param name="path">The checkpoint file (safetensors), written atomically.</param>
    public void SaveCheckpoint(string path)
    {
        var state = _projector.ExportState();
        try
        {
            TuningCheckpoint.Write(path, state, _projector.Step, CheckpointFingerprint.Compute(_model.Directory), Options);
        }
        finally
        {
            foreach (var tensor in state.Values)
            {
                tensor.Dispose();
            }
        }
    }

    /// <summary>Continues from <see cref="SaveCheckpoint"/>'s file.</summary>
    /// <param name="path">The checkpoint file.</param>
    /// <exception cref="InvalidDataException">The file is not a checkpoint of this model and these settings.</exception>
    public void Resume(string path)
    {
        var (state, step) = TuningCheckpoint.Read(path, CheckpointFingerprint.Compute(_model.Directory), Options);
        try
        {
            _projector.ImportState(state, step, path);
        }
        finally
        {
            foreach (var tensor in state.Values)
            {
                tensor.Dispose();
            }
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _projector.Dispose();
        foreach (var example in _train.Concat(_heldOut))
        {
            example.Dispose();
        }

        _train.Clear();
        _heldOut.Clear();
    }

    private int Next(Queue<int> queue, Random order)
    {
        if (queue.Count == 0)
        {
            foreach (int index in Shuffled(_train.Count, order))
            {
                queue.Enqueue(index);
            }
        }

        return queue.Dequeue();
    }

    private static int[] Shuffled(int count, Random random)
    {
        int[] order = [.. Enumerable.Range(0, count)];
        random.Shuffle(order);
        return order;
    }

    // One example's loss, backpropagated into the projector's gradients (scaled for accumulation); returns (loss, KL).
    private (double Loss, double Kl) Backward(DistillationExample example)
    {
        using var scope = NewDisposeScope();
        var (loss, kl) = Loss(example);
        (loss / Options.GradientAccumulation).backward();
        return (loss.to(ScalarType.Float64).item<double>(), kl.to(ScalarType.Float64).item<double>());
    }

    // KL(teacher || student) over the answer positions, plus the weighted cross-entropy on a user answer when given.
    private (Tensor Loss, Tensor Kl) Loss(DistillationExample example)
    {
        using var scope = NewDisposeScope();
        var studentLogProbs = StudentLogProbs(example, example.TeacherAnswer);                                  // [K, V]
        var kl = KlDivergence(example.TeacherLogProbs, studentLogProbs);
        var loss = kl.clone();                                  // its own tensor: the two results move out of this scope once each
        if (Options.CrossEntropyWeight > 0 && example.UserAnswer is { Length: > 0 } answer)
        {
            var answerLogProbs = StudentLogProbs(example, answer);                                             // [A, V]
            using var targets = tensor(answer, device: answerLogProbs.device);
            loss = loss + nn.functional.nll_loss(answerLogProbs, targets) * Options.CrossEntropyWeight;
        }

        return (loss.MoveToOuterDisposeScope(), kl.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// For tests: the loss gradient of the first training example at probe weights (in every parameter the entry with the
    /// largest gradient and one random entry), the same derivatives by central finite differences with step
    /// <paramref name="epsilon"/>, and the largest gradient magnitude.
    /// </summary>
    internal (List<double> Analytic, List<double> Numeric, double MaxGradient) CheckGradients(double epsilon, int seed)
    {
        var example = _train[0];
        _projector.ZeroGradients();
        Backward(example);
        var random = new Random(seed);
        var analytic = new List<double>();
        var numeric = new List<double>();
        double maxGradient = 0;
        foreach (var parameter in _projector.Parameters)
        {
            using var flatGrad = parameter.grad!.reshape(-1).to(ScalarType.Float64);
            using var magnitude = flatGrad.abs();
            maxGradient = Math.Max(maxGradient, magnitude.max().item<double>());
            long largest = magnitude.argmax().item<long>();
            foreach (long index in new[] { largest, random.NextInt64(parameter.numel()) })
            {
                using (var grad = flatGrad[index])
                {
                    analytic.Add(grad.item<double>());
                }

                using var noGrad = no_grad();
                using var element = parameter.detach().view(-1)[index];
                double original = element.to(ScalarType.Float64).item<double>();
                element.fill_(original + epsilon);
                double plus = LossValue(example);
                element.fill_(original - epsilon);
                double minus = LossValue(example);
                element.fill_(original);
                numeric.Add((plus - minus) / (2 * epsilon));
            }
        }

        _projector.ZeroGradients();
        return (analytic, numeric, maxGradient);
    }

    private double LossValue(DistillationExample example)
    {
        using var scope = NewDisposeScope();
        return Loss(example).Loss.to(ScalarType.Float64).item<double>();
    }

    // Mean over positions of sum_v p_t (log p_t - log p_s).
    private static Tensor KlDivergence(Tensor teacherLogProbs, Tensor studentLogProbs)
    {
        var teacher = teacherLogProbs.to(studentLogProbs.device);
        return (teacher.exp() * (teacher - studentLogProbs)).sum(-1).mean();
    }

    // The student's log-probabilities [A, V] for the A answer tokens, teacher-forced: prompt with the reduced image, then
    // answer[0..A-2]; the logits at the last A positions predict answer[0..A-1].
    private Tensor StudentLogProbs(DistillationExample example, long[] answer)
    {
        using var scope = NewDisposeScope();
        var language = _model.LanguageModel;
        long[] after = [.. example.PromptAfter, .. answer[..^1]];
        var projected = _projector.Forward(example.ReducedFeatures);                                            // [T, D]
        var parts = new List<Tensor>();
        if (example.PromptBefore.Length > 0)
        {
            parts.Add(Embed(example.PromptBefore));
        }

        parts.Add(projected.to(language.DType));
        if (after.Length > 0)
        {
            parts.Add(Embed(after));
        }

        var embeds = cat(parts, 0).unsqueeze(0);                                                                // [1, L, D]
        var logits = language.ForwardForTraining(embeds)[0];                                                    // [L, V] float32
        long length = logits.shape[0];
        return logits.narrow(0, length - answer.Length, answer.Length).log_softmax(-1).MoveToOuterDisposeScope();
    }

    private Tensor Embed(long[] ids)
    {
        using var idTensor = tensor(ids, device: _model.Device).unsqueeze(0);
        return _model.LanguageModel.EmbedTokens(idTensor)[0];                                                   // [n, D], no gradient
    }

    private DistillationExample Prepare(TuningExample example)
    {
        long[] ids = _model.PromptIds(example.Question, imageCount: 1);
        int placeholder = Array.IndexOf(ids, (long)_model.Config.ImageTokenIndex);
        long[] before = ids[..placeholder];
        long[] after = ids[(placeholder + 1)..];

        using var scope = NewDisposeScope();
        Tensor reduced;
        using (var student = _model.EncodeImage(example.Image, new ImageEncodeOptions { Reducer = _reducer }))
        {
            reduced = student.ImageFeatures[0].clone();                                                         // [T, Dv], the one tile path
        }

        // The teacher: all visual tokens through the loaded projector, K greedy tokens, end-of-sequence ignored.
        var teacherOptions = _model.DefaultGenerationOptions with
        {
            DoSample = false,
            MaxNewTokens = Options.AnswerTokens,
            EosTokenIds = [],
            StopStrings = [],
            RepetitionPenalty = 1f,
            ReturnLogits = true,
        };
        using var vanilla = _model.EncodeImage(example.Image);
        var answer = _model.Generate(ids, [vanilla], teacherOptions);
        var stepLogits = answer.Generation.StepLogits!;
        int vocab = answer.Generation.VocabSize;
        var flat = stepLogits.SelectMany(row => row.Take(vocab)).ToArray();
        var teacherLogProbs = tensor(flat, [stepLogits.Count, vocab]).log_softmax(-1);                          // [K, V]
        long[] teacherAnswer = [.. answer.Tokens.Select(t => (long)t)];

        long[]? userAnswer = null;
        if (!string.IsNullOrWhiteSpace(example.Answer))
        {
            userAnswer = [.. _model.Tokenizer.Encode(example.Answer, addSpecialTokens: false).Select(t => (long)t)];
        }

        return new DistillationExample(example.Source, before, after, reduced, teacherAnswer, teacherLogProbs, userAnswer);
    }
}
