using TorchSharp;
using VisionZip.Models.Imaging;
using VisionZip.Models.Llava;

namespace VisionZip.Tests.Llava;

/// <summary>Encoding, prefill, generation and chat free every tensor they do not hand out.</summary>
public sealed class LlavaLeakTests(Llava15Fixture fixture) : IClassFixture<Llava15Fixture>
{
    [Fact]
    public void Encode_generate_and_chat_leave_no_live_tensors()
    {
        var pipeline = fixture.Pipeline;
        var photo = ImageDecoder.Load(LlavaCheckpointFixture.Photo);
        var options = pipeline.DefaultGenerationOptions with { MaxNewTokens = 3, EosTokenIds = [] };
        long[] ids = pipeline.PromptIds("What is shown in this image?");
        var statistics = DisposeScopeManager.Statistics;

        void RoundTrip()
        {
            using (var image = pipeline.EncodeImage(photo, new ZipBudget(54, 10), ImageMode.Pad))
            {
                pipeline.Generate(ids, [image], options);
                using var cache = pipeline.LanguageModel.CreateCache();
                using var prefill = pipeline.Prefill(ids, [image], cache);
            }

            using var session = new ChatSession(pipeline);
            session.Ask("What is shown in this image?", [photo], options);
            session.Ask("Why?", options: options);
        }

        RoundTrip();   // lazy native initialisation
        long before = statistics.ThreadTotalLiveCount;
        for (int i = 0; i < 3; i++)
        {
            RoundTrip();
        }

        Assert.Equal(before, statistics.ThreadTotalLiveCount);
    }
}
