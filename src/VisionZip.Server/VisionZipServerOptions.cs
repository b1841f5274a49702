namespace VisionZip.Server;

/// <summary>Where and how <see cref="VisionZipServer"/> listens, and its limits.</summary>
public sealed class VisionZipServerOptions
{
    /// <summary>Address to bind; loopback by default (set <c>0.0.0.0</c> explicitly to serve other machines).</summary>
    public string Host { get; set; } = "127.0.0.1";

    /// <summary>TCP port; 0 picks a free one (see <see cref="VisionZipServer.Address"/>).</summary>
    public int Port { get; set; } = 8080;

    /// <summary>When set, every <c>/v1/*</c> request must send <c>Authorization: Bearer &lt;key&gt;</c>; <c>/health</c> stays open.</summary>
    public string? ApiKey { get; set; }

    /// <summary>Largest request body in bytes (images travel base64-encoded inside it); larger gets 413.</summary>
    public long MaxRequestBodyBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>
    /// Chat requests admitted at once (running + waiting for the model); one more gets 429 before its body is read, so a
    /// burst holds at most this many bodies in memory.
    /// </summary>
    public int MaxConcurrentRequests { get; set; } = 8;

    /// <summary>How long a shutdown waits for in-flight requests to finish.</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Checks every field.</summary>
    /// <exception cref="ArgumentException">A field is out of range; the message names it.</exception>
    public void Validate()
    {
        if (!System.Net.IPAddress.TryParse(Host, out _) && Host != "localhost")
        {
            throw new ArgumentException($"VisionZipServerOptions.Host must be an IP address or 'localhost', got '{Host}'", nameof(Host));
        }

        if (Port is < 0 or > 65535)
        {
            throw new ArgumentException($"VisionZipServerOptions.Port must be in 0..65535, got {Port}", nameof(Port));
        }

        if (MaxRequestBodyBytes < 1024)
        {
            throw new ArgumentException($"VisionZipServerOptions.MaxRequestBodyBytes must be at least 1024, got {MaxRequestBodyBytes}",
                nameof(MaxRequestBodyBytes));
        }

        if (MaxConcurrentRequests < 1)
        {
            throw new ArgumentException($"VisionZipServerOptions.MaxConcurrentRequests must be at least 1, got {MaxConcurrentRequests}",
                nameof(MaxConcurrentRequests));
        }
    }
}
