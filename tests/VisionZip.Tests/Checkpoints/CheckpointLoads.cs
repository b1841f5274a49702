using VisionZip.Models;
using VisionZip.Models.Checkpoints;
using VisionZip.Models.Generation;
using VisionZip.Models.Imaging;
using VisionZip.Models.Language;
using VisionZip.Models.Llava;
using VisionZip.Models.Tokenization;
using VisionZip.Models.Vision;
using static TorchSharp.torch;

namespace VisionZip.Tests.Checkpoints;

/// <summary>Loads every part a checkpoint kind has through the <see cref="CheckpointDirectory"/> overloads, as one load does.</summary>
internal static class CheckpointLoads
{
    public static void LoadEveryPart(CheckpointDirectory directory)
    {
        var owned = new List<IDisposable>();
        try
        {
            switch (directory.Kind)
            {
                case CheckpointKind.ClipVision or CheckpointKind.SiglipVision:
                    owned.Add(VisionTower.Load(directory));
                    ImageProcessor.Load(directory);
                    break;
                case CheckpointKind.Decoder:
                    owned.Add(LlamaForCausalLM.Load(directory));
                    GenerationOptions.FromCheckpoint(directory);
                    break;
                default:
                    var config = LlavaConfig.Load(directory);
                    var languageModel = LlamaForCausalLM.Load(directory);
                    owned.Add(languageModel);
                    owned.Add(VisionTower.Load(directory));
                    var projector = LlavaMultiModalProjector.Load(directory);
                    owned.Add(projector);
                    if (TokenizerLoader.Load(directory) is IDisposable tokenizer)
                    {
                        owned.Add(tokenizer);
                    }

                    ImageProcessor.Load(directory);
                    ChatTemplate.FromCheckpoint(directory);
                    GenerationOptions.FromCheckpoint(directory);
                    if (config.ModelType == "llava_next")
                    {
                        AnyResProcessor.Load(directory);
                        var names = LlavaTensorNames.Detect(directory.Weights.Names, directory.Weights.Source);
                        owned.Add(LlavaImageNewline.Read(directory, names, projector.OutputSize, languageModel.DType, languageModel.Device));
                    }

                    break;
            }
        }
        finally
        {
            foreach (var part in owned)
            {
                part.Dispose();
            }
        }
    }
}
