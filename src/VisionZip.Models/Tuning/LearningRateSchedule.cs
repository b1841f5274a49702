namespace VisionZip.Models.Tuning;

/// <summary>Linear warm-up to the peak rate, then cosine decay to zero at the last step.</summary>
internal static class LearningRateSchedule
{
    /// <summary>The rate of optimizer step <paramref name="step"/> (0-based) of <paramref name="steps"/>.</summary>
    internal static double At(int step, int steps, int warmup, double peak)
    {
        if (warmup > 0 && step < warmup)
        {
            return peak * (step + 1) / warmup;
        }

        int decaySteps = Math.Max(1, steps - warmup);
        double progress = Math.Clamp((step - warmup) / (double)decaySteps, 0, 1);
        return peak * 0.5 * (1 + Math.Cos(Math.PI * progress));
    }
}
