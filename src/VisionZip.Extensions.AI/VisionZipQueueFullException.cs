namespace VisionZip.Extensions.AI;

/// <summary>The client's request queue is full (<see cref="VisionZipChatClientOptions.MaxQueuedRequests"/>); retry later.</summary>
public sealed class VisionZipQueueFullException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What was full.</param>
    public VisionZipQueueFullException(string message)
        : base(message)
    {
    }
}
