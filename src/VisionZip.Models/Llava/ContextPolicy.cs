namespace VisionZip.Models.Llava;

/// <summary>What a <see cref="ChatSession"/> does when a new turn no longer fits the model's context.</summary>
public enum ContextPolicy
{
    /// <summary>
    /// Refuse the turn with a <see cref="Errors.ContextFullException"/>; the session stays as it was (ask something
    /// shorter, or <see cref="ChatSession.Reset"/>).
    /// </summary>
    Refuse,

    /// <summary>
    /// Drop the oldest turns (each with the images it attached) until the new turn and room for its answer fit, keeping
    /// the system prompt, then prefill what remains again. The answers stay what a fresh conversation of the remaining
    /// turns would give.
    /// </summary>
    DropOldestTurns,
}
