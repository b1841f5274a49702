namespace VisionZip.Models.Tuning;

/// <summary>What <see cref="ProjectorDistiller.Train"/> reports after every optimizer step.</summary>
/// <param name="Step">Steps done.</param>
/// <param name="Steps">Steps in the run.</param>
/// <param name="Loss">This step's loss (KL plus the weighted cross-entropy).</param>
/// <param name="KlDivergence">This step's mean KL(teacher || student) per answer position.</param>
/// <param name="LearningRate">The rate this step used.</param>
/// <param name="GradientNorm">The gradients' global L2 norm before clipping.</param>
/// <param name="HeldOut">The held-out scores when this step evaluated them, else null.</param>
public sealed record TuningProgress(int Step, int Steps, double Loss, double KlDivergence, double LearningRate, double GradientNorm,
    HeldOutScores? HeldOut);

/// <summary>Student-vs-teacher agreement on the held-out examples.</summary>
/// <param name="MeanKl">Mean KL(teacher || student) per answer position (nats).</param>
/// <param name="Agreement">Share of answer positions where the student's most likely token is the teacher's token.</param>
public sealed record HeldOutScores(double MeanKl, double Agreement);

/// <summary>The outcome of a tuning run.</summary>
/// <param name="Steps">Optimizer steps taken in total (a resumed run counts the earlier ones).</param>
/// <param name="TrainExamples">Examples trained on.</param>
/// <param name="HeldOutExamples">Examples held out.</param>
/// <param name="Before">Held-out scores of the untuned projector.</param>
/// <param name="After">Held-out scores after the run.</param>
/// <param name="Stopped">True when cancellation stopped the run before its last step.</param>
public sealed record TuningReport(int Steps, int TrainExamples, int HeldOutExamples, HeldOutScores Before, HeldOutScores After, bool Stopped);
