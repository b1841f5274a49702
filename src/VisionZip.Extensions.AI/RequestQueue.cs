namespace VisionZip.Extensions.AI;

/// <summary>
/// One model, one request at a time: callers wait their turn in arrival order (a FIFO semaphore), and at most
/// <c>maxWaiting</c> may wait beside the running one; the next is refused at once with
/// <see cref="VisionZipQueueFullException"/>, so a burst never holds unbounded memory.
/// </summary>
internal sealed class RequestQueue : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly int _capacity;
    private int _admitted;                 // running + waiting

    public RequestQueue(int maxWaiting) => _capacity = maxWaiting + 1;

    /// <summary>Requests running or waiting now.</summary>
    public int Admitted => Volatile.Read(ref _admitted);

    /// <summary>Waits for the model; dispose the result to hand it on.</summary>
    /// <exception cref="VisionZipQueueFullException">Too many requests are already waiting.</exception>
    public async Task<IDisposable> EnterAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Increment(ref _admitted) > _capacity)
        {
            Interlocked.Decrement(ref _admitted);
            throw new VisionZipQueueFullException(
                $"the model is busy: {_capacity - 1} requests are already waiting (VisionZipChatClientOptions.MaxQueuedRequests)");
        }

        try
        {
            await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            Interlocked.Decrement(ref _admitted);
            throw;
        }

        return new Turn(this);
    }

    public void Dispose() => _gate.Dispose();

    private sealed class Turn(RequestQueue queue) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                Interlocked.Decrement(ref queue._admitted);
                queue._gate.Release();
            }
        }
    }
}
