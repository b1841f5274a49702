using VisionZip.Models;
using Microsoft.Extensions.Logging;
using VisionZip.Models.Llava;

namespace VisionZip.Extensions.AI;

// The constructors that name the concrete model type (re-pointed to the model facade together with ModelBackend).
public sealed partial class VisionZipChatClient
{
    /// <summary>A chat client over a loaded pipeline, which stays owned by the caller (dispose it after this client).</summary>
    /// <param name="pipeline">The loaded LLaVA checkpoint.</param>
    /// <param name="options">Budget, reducer, limits; null = defaults.</param>
    /// <param name="logger">Where requests are logged; null = nowhere.</param>
    /// <exception cref="ArgumentException">Invalid options.</exception>
    /// <exception cref="InvalidDataException">A projector adapter of <see cref="VisionZipChatClientOptions.ProjectorAdapters"/> was tuned
    /// for another checkpoint or is malformed (the message names the file).</exception>
    /// <remarks>The options' projector adapters are added to <paramref name="pipeline"/> (see <see cref="VisionLanguageModel.AddProjectorAdapter"/>).</remarks>
    public VisionZipChatClient(VisionLanguageModel pipeline, VisionZipChatClientOptions? options = null, ILogger<VisionZipChatClient>? logger = null)
        : this(new ModelBackend(WithAdapters(pipeline ?? throw new ArgumentNullException(nameof(pipeline)), options), owned: false), options, logger)
    {
    }

    // Adds the options' projector adapters (VisionZip‡) to the model before the client serves anything.
    private static VisionLanguageModel WithAdapters(VisionLanguageModel pipeline, VisionZipChatClientOptions? options)
    {
        foreach (string path in options?.ProjectorAdapters ?? [])
        {
            pipeline.AddProjectorAdapter(path);
        }

        return pipeline;
    }

    /// <summary>Loads a llava-hf checkpoint directory (float32 on the CPU) and serves it; the client owns and disposes the model.</summary>
    /// <param name="modelDirectory">The checkpoint directory.</param>
    /// <param name="options">Budget, reducer, limits; null = defaults.</param>
    /// <param name="logger">Where requests are logged; null = nowhere.</param>
    /// <exception cref="DirectoryNotFoundException">No such directory.</exception>
    /// <exception cref="InvalidDataException">A malformed checkpoint, or a projector adapter tuned for another checkpoint.</exception>
    public static VisionZipChatClient Load(string modelDirectory, VisionZipChatClientOptions? options = null, ILogger<VisionZipChatClient>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(modelDirectory);
        (options ?? new VisionZipChatClientOptions()).Validate();
        var pipeline = VisionLanguageModel.Load(modelDirectory);
        try
        {
            return new VisionZipChatClient(new ModelBackend(WithAdapters(pipeline, options), owned: true), options, logger);
        }
        catch
        {
            pipeline.Dispose();
            throw;
        }
    }
}
