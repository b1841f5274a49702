namespace VisionZip.Models.Tuning;

/// <summary>
/// Settings of projector self-distillation (VisionZip‡ without a dataset): the vanilla model is the teacher, the reduced
/// model the student, and only the projector learns.
/// </summary>
public sealed record ProjectorTuningOptions
{
    /// <summary>The student's visual-token budget per image; default LLaVA-1.5's 54+10.</summary>
    public ZipBudget Budget { get; init; } = ZipPresets.Llava15_64;

    /// <summary>The student's reducer by registry name (<see cref="VisualTokenReducers"/>); default VisionZip.</summary>
    public string Reducer { get; init; } = VisualTokenReducers.VisionZip;

    /// <summary>Optimizer steps (each over <see cref="GradientAccumulation"/> examples).</summary>
    public int Steps { get; init; } = 200;

    /// <summary>Peak learning rate of AdamW.</summary>
    public double LearningRate { get; init; } = 2e-4;

    /// <summary>Linear warm-up steps before the cosine decay to zero.</summary>
    public int WarmupSteps { get; init; } = 10;

    /// <summary>AdamW decoupled weight decay (applied to the weights, not the biases).</summary>
    public double WeightDecay { get; init; } = 0.0;

    /// <summary>Gradients are clipped to this global L2 norm; 0 disables clipping.</summary>
    public double MaxGradientNorm { get; init; } = 1.0;

    /// <summary>Examples whose gradients are summed (averaged) before one optimizer step.</summary>
    public int GradientAccumulation { get; init; } = 1;

    /// <summary>
    /// K: answer positions distilled per example. The teacher answers greedily for K tokens (end-of-sequence ignored, so
    /// every example has K positions) and keeps its FULL next-token distribution at each of them.
    /// </summary>
    public int AnswerTokens { get; init; } = 8;

    /// <summary>Weight of the cross-entropy on user-given answers (examples that have one); 0 = KL only.</summary>
    public double CrossEntropyWeight { get; init; } = 0.0;

    /// <summary>Share of the examples held out for evaluation (never trained on); at least one example is held out.</summary>
    public double HeldOutFraction { get; init; } = 0.25;

    /// <summary>Evaluate the held-out examples every this many steps (and at the start and the end); 0 = start and end only.</summary>
    public int EvaluateEvery { get; init; } = 50;

    /// <summary>Seed of the example order and the held-out split; a seed gives the same adapter on a CPU.</summary>
    public long Seed { get; init; } = 1;

    /// <summary>Checks every setting.</summary>
    /// <exception cref="ArgumentException">A setting is out of range; the message names it.</exception>
    public void Validate()
    {
        Check(Steps >= 1, $"Steps must be at least 1; got {Steps}");
        Check(LearningRate is > 0 and < 1, $"LearningRate must be in (0, 1); got {LearningRate}");
        Check(WarmupSteps >= 0, $"WarmupSteps must be 0 or more; got {WarmupSteps}");
        Check(WeightDecay is >= 0 and < 1, $"WeightDecay must be in [0, 1); got {WeightDecay}");
        Check(MaxGradientNorm >= 0, $"MaxGradientNorm must be 0 or more; got {MaxGradientNorm}");
        Check(GradientAccumulation >= 1, $"GradientAccumulation must be at least 1; got {GradientAccumulation}");
        Check(AnswerTokens is >= 1 and <= 4096, $"AnswerTokens must be 1 to 4096; got {AnswerTokens}");
        Check(CrossEntropyWeight >= 0, $"CrossEntropyWeight must be 0 or more; got {CrossEntropyWeight}");
        Check(HeldOutFraction is > 0 and < 1, $"HeldOutFraction must be in (0, 1); got {HeldOutFraction}");
        Check(EvaluateEvery >= 0, $"EvaluateEvery must be 0 or more; got {EvaluateEvery}");
    }

    private static void Check(bool ok, string message)
    {
        if (!ok)
        {
            throw new ArgumentException(message);
        }
    }
}
