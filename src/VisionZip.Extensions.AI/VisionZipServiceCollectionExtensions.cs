using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace VisionZip.Extensions.AI;

/// <summary>Registers a <see cref="VisionZipChatClient"/> as the application's <see cref="IChatClient"/>.</summary>
public static class VisionZipServiceCollectionExtensions
{
    /// <summary>
    /// Registers a singleton <see cref="IChatClient"/> over the checkpoint in <paramref name="modelDirectory"/> (loaded on
    /// first use, disposed with the container) and returns its <see cref="ChatClientBuilder"/>, so the pipeline composes:
    /// <c>services.AddVisionZipChatClient(dir).UseLogging().UseOpenTelemetry().UseDistributedCache()</c>.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="modelDirectory">A llava-hf checkpoint directory.</param>
    /// <param name="configure">Adjusts the client options (budget, reducer, allowed image directories, limits).</param>
    /// <returns>The builder of the registered pipeline.</returns>
    public static ChatClientBuilder AddVisionZipChatClient(this IServiceCollection services, string modelDirectory,
        Action<VisionZipChatClientOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrEmpty(modelDirectory);
        var options = new VisionZipChatClientOptions();
        configure?.Invoke(options);
        options.Validate();
        return services.AddChatClient(provider =>
            VisionZipChatClient.Load(modelDirectory, options, provider.GetService<ILoggerFactory>()?.CreateLogger<VisionZipChatClient>()));
    }
}
