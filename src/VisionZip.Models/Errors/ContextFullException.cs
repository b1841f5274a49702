namespace VisionZip.Models.Errors;

/// <summary>The language model's context window cannot hold the prompt (plus what was already said in a chat).</summary>
public sealed class ContextFullException : VisionZipException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="needed">Tokens the request needs in the context.</param>
    /// <param name="capacity">Tokens the context holds (<c>max_position_embeddings</c> or the KV cache size).</param>
    /// <param name="message">What is full, in the user's terms.</param>
    public ContextFullException(long needed, long capacity, string message) : base(message)
    {
        Needed = needed;
        Capacity = capacity;
    }

    /// <summary>Tokens the request needs.</summary>
    public long Needed { get; }

    /// <summary>Tokens the context holds.</summary>
    public long Capacity { get; }
}
