using static TorchSharp.torch;

namespace VisionZip.Models.Tuning;

/// <summary>
/// One example made ready for distillation: everything that does not depend on the projector is computed once (the
/// frozen encoder's reduced features, the teacher's answer and its next-token distributions).
/// </summary>
/// <remarks>Owns its tensors (detached from dispose scopes).</remarks>
internal sealed class DistillationExample : IDisposable
{
    internal DistillationExample(string source, long[] promptBefore, long[] promptAfter, Tensor reducedFeatures, long[] teacherAnswer,
        Tensor teacherLogProbs, long[]? userAnswer)
    {
        Source = source;
        PromptBefore = promptBefore;
        PromptAfter = promptAfter;
        ReducedFeatures = reducedFeatures.DetachFromDisposeScope();
        TeacherAnswer = teacherAnswer;
        TeacherLogProbs = teacherLogProbs.DetachFromDisposeScope();
        UserAnswer = userAnswer;
    }

    /// <summary>Where the image came from.</summary>
    internal string Source { get; }

    /// <summary>Prompt ids before the image placeholder.</summary>
    internal long[] PromptBefore { get; }

    /// <summary>Prompt ids after the image placeholder (up to the generation prompt).</summary>
    internal long[] PromptAfter { get; }

    /// <summary>[T, Dv] the student's reduced visual tokens before the projector (frozen encoder, no gradient).</summary>
    internal Tensor ReducedFeatures { get; }

    /// <summary>The K tokens the teacher answered greedily.</summary>
    internal long[] TeacherAnswer { get; }

    /// <summary>[K, vocab] float32 log-probabilities of the teacher at each answer position.</summary>
    internal Tensor TeacherLogProbs { get; }

    /// <summary>The user-given answer's ids (no BOS), or null.</summary>
    internal long[]? UserAnswer { get; }

    /// <inheritdoc />
    public void Dispose()
    {
        ReducedFeatures.Dispose();
        TeacherLogProbs.Dispose();
    }
}
