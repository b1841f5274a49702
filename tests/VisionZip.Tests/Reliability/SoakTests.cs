using TorchSharp;
using VisionZip.Models.Imaging;
using VisionZip.Models.Llava;
using VisionZip.Tests.Llava;
using VisionZip.Tests.Support;

namespace VisionZip.Tests.Reliability;

/// <summary>
/// Long runs and concurrency on one loaded pipeline, checked by counting (answers, live tensors, managed bytes),
/// never by timing: N threads x M requests give the single-threaded answers; a hundred encode + generate calls
/// leave the live tensor count where it was and the managed heap flat.
/// </summary>
public sealed class SoakTests(Llava15Fixture fixture) : IClassFixture<Llava15Fixture>
{
    private static readonly string[] Photos = ["coffee.png", "astronaut.png", "coffee_wide.png"];
    private static readonly ZipBudget?[] Budgets = [null, new ZipBudget(54, 10), new ZipBudget(27, 5)];
    private static readonly ZipBudget[] ZippedBudgets = [new ZipBudget(54, 10), new ZipBudget(27, 5)];
    private const int Requests = 100; // zipped only: a vanilla 576-token prefill costs several times more

    private static readonly string[] Questions = ["What is shown in this image?", "Describe it.", "What colour is it?"];

    [Fact]
    public void Four_threads_sharing_one_pipeline_agree_with_one_thread()
    {
        const int threads = 4, requestsPerThread = 3;
        var pipeline = fixture.Pipeline;
        var images = Photos.Select(photo => ImageDecoder.Load(Fixtures.Path("images", photo))).ToArray();
        int[][] Answer(int request)
        {
            using var image = pipeline.EncodeImage(images[request % images.Length], Budgets[request / images.Length % Budgets.Length]);
            var options = pipeline.DefaultGenerationOptions with { DoSample = false, MaxNewTokens = 4, EosTokenIds = [] };
            return [[.. pipeline.Generate(pipeline.PromptIds(Questions[request % Questions.Length]), [image], options).Tokens]];
        }

        var expected = Enumerable.Range(0, threads * requestsPerThread).Select(Answer).ToArray();
        var actual = new int[threads * requestsPerThread][][];
        var workers = Enumerable.Range(0, threads).Select(thread => new Thread(() =>
        {
            for (int i = 0; i < requestsPerThread; i++)
            {
                int request = (thread * requestsPerThread + i * 5) % (threads * requestsPerThread); // interleave the order
                actual[request] = Answer(request);
            }
        })).ToList();
        workers.ForEach(worker => worker.Start());
        workers.ForEach(worker => worker.Join());

        for (int request = 0; request < expected.Length; request++)
        {
            Assert.True(actual[request] is not null, $"request {request} never ran");
            Assert.Equal(expected[request][0], actual[request][0]);
        }
    }

    [Fact]
    public void A_hundred_encode_and_generate_calls_leave_tensors_and_memory_at_baseline()
    {
        var pipeline = fixture.Pipeline;
        var photo = ImageDecoder.Load(Fixtures.Path("images", "coffee.png"));
        var options = pipeline.DefaultGenerationOptions with { DoSample = false, MaxNewTokens = 1, EosTokenIds = [] };
        long[] ids = pipeline.PromptIds(Questions[0]);
        var statistics = DisposeScopeManager.Statistics;

        void Request(int i)
        {
            using var image = pipeline.EncodeImage(photo, ZippedBudgets[i % ZippedBudgets.Length]);
            pipeline.Generate(ids, [image], options);
        }

        for (int i = 0; i < 5; i++)
        {
            Request(i); // warm-up: lazy native initialisation, caches
        }

        long liveBefore = statistics.ThreadTotalLiveCount;
        long heapBefore = GC.GetTotalMemory(forceFullCollection: true);
        for (int i = 0; i < Requests; i++)
        {
            Request(i);
        }

        long heapAfter = GC.GetTotalMemory(forceFullCollection: true);
        Assert.Equal(liveBefore, statistics.ThreadTotalLiveCount);
        Assert.True(heapAfter - heapBefore < 16 << 20, $"managed heap grew by {heapAfter - heapBefore} bytes over {Requests} requests");
    }
}
