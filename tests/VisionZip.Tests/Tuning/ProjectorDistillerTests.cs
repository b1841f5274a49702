using TorchSharp;
using VisionZip.Models;
using VisionZip.Models.Tuning;
using VisionZip.Tests.Support;
using static TorchSharp.torch;

namespace VisionZip.Tests.Tuning;

/// <summary>Projector self-distillation on the tiny LLaVA-1.5: it learns, only the projector changes, memory stays flat.</summary>
public sealed class ProjectorDistillerTests
{
    private static readonly string Model = Fixtures.Path("llava-1.5-tiny-hf");

    [Fact]
    public void Tuning_cuts_held_out_kl_and_touches_nothing_but_the_projector()
    {
        using var llava = VisionLanguageModel.Load(Model);
        var frozen = llava.LanguageModel.named_parameters().Concat(llava.VisionTower.Transformer.named_parameters())
            .Select(p => (p.name, Copy: p.parameter.detach().clone())).ToList();
        var projectorBefore = llava.Projector.named_parameters().Select(p => p.parameter.detach().clone()).ToList();

        var options = new ProjectorTuningOptions { Steps = 300, LearningRate = 1e-2, WarmupSteps = 5, AnswerTokens = 6, EvaluateEvery = 0, Seed = 3 };
        using var distiller = new ProjectorDistiller(llava, SyntheticPhotos.Examples(32), options);
        var steps = new List<TuningProgress>();
        var report = distiller.Train(new SynchronousProgress<TuningProgress>(steps.Add));

        Assert.Equal(options.Steps, report.Steps);
        Assert.Equal(options.Steps, steps.Count);
        Assert.False(report.Stopped);
        Assert.True(report.After.MeanKl <= 0.7 * report.Before.MeanKl,
            $"held-out KL {report.Before.MeanKl:G4} -> {report.After.MeanKl:G4}: less than a 30% cut");

        // Frozen parts: bit-identical, never given gradient buffers.
        foreach (var (name, copy) in frozen)
        {
            var live = llava.LanguageModel.named_parameters().Concat(llava.VisionTower.Transformer.named_parameters()).First(p => p.name == name).parameter;
            Assert.True(live.equal(copy).all().item<bool>(), $"{name} changed");
            Assert.False(live.requires_grad, $"{name} requires grad");
            Assert.True(live.grad is null, $"{name} has a gradient buffer");
        }

        // The loaded projector is untouched too: the tuned weights live in the distiller until written.
        foreach (var (live, before) in llava.Projector.named_parameters().Select(p => p.parameter).Zip(projectorBefore))
        {
            Assert.True(live.equal(before).all().item<bool>());
        }
    }

    [Fact]
    public void A_seed_gives_the_same_adapter()
    {
        using var llava = VisionLanguageModel.Load(Model);
        var options = new ProjectorTuningOptions { Steps = 6, AnswerTokens = 3, Seed = 9, GradientAccumulation = 2 };
        Dictionary<string, Tensor> Run()
        {
            using var distiller = new ProjectorDistiller(llava, SyntheticPhotos.Examples(5), options);
            distiller.Train();
            return distiller.ProjectorWeights();
        }

        var first = Run();
        var second = Run();
        foreach (var (name, tensor) in first)
        {
            Assert.True(tensor.equal(second[name]).all().item<bool>(), $"{name} differs between two runs with one seed");
        }
    }

    [Fact]
    public void Memory_per_step_does_not_grow()
    {
        using var llava = VisionLanguageModel.Load(Model);
        var options = new ProjectorTuningOptions { Steps = 12, AnswerTokens = 3, EvaluateEvery = 0 };
        using var distiller = new ProjectorDistiller(llava, SyntheticPhotos.Examples(4), options);
        var live = new List<long>();
        distiller.Train(new SynchronousProgress<TuningProgress>(_ => live.Add(DisposeScopeManager.Statistics.ThreadTotalLiveCount)));
        Assert.Equal(12, live.Count);
        Assert.All(live.Skip(2), count => Assert.Equal(live[1], count));
    }

    [Fact]
    public void Gradients_match_finite_differences()
    {
        // The language model computes in float32 (logits are float32), so the central differences use a step of 1e-2: their
        // truncation error (~1e-4 relative) and rounding (~1e-5) stay far below the 2% a wrong gradient term would miss by.
        using var llava = VisionLanguageModel.Load(Model);
        var options = new ProjectorTuningOptions { Steps = 1, AnswerTokens = 3, MaxGradientNorm = 0 };
        using var distiller = new ProjectorDistiller(llava, SyntheticPhotos.Examples(3), options);
        var (analytic, numeric, maxGradient) = distiller.CheckGradients(epsilon: 1e-2, seed: 4);
        Assert.Equal(8, analytic.Count);
        Assert.True(maxGradient > 0);
        for (int i = 0; i < analytic.Count; i++)
        {
            double allowed = 0.02 * Math.Max(Math.Abs(analytic[i]), Math.Abs(numeric[i])) + 1e-3 * maxGradient;
            Assert.True(Math.Abs(analytic[i] - numeric[i]) <= allowed,
                $"probe {i}: analytic {analytic[i]:G8} vs finite difference {numeric[i]:G8} (allowed {allowed:G3})");
        }
    }

    [Fact]
    public void Adapter_round_trips_and_is_refused_by_another_checkpoint()
    {
        using var llava = VisionLanguageModel.Load(Model);
        var options = new ProjectorTuningOptions { Steps = 4, AnswerTokens = 3 };
        using var distiller = new ProjectorDistiller(llava, SyntheticPhotos.Examples(3), options);
        var report = distiller.Train();
        using var scratch = new VisionZip.Tests.Generality.ScratchDirectory();
        string path = Path.Combine(scratch.Path, "adapter.safetensors");
        distiller.WriteAdapter(path, report);

        using var adapter = ProjectorAdapter.Read(path);
        Assert.Equal(options.Budget, adapter.Budget);
        Assert.Equal(4, adapter.Steps);
        Assert.Equal(report.After.MeanKl, adapter.After!.MeanKl);
        Assert.Equal(["linear_1.bias", "linear_1.weight", "linear_2.bias", "linear_2.weight"], adapter.Weights.Keys.Order(StringComparer.Ordinal));

        using var other = VisionLanguageModel.Load(Fixtures.Path("llava-interleave-qwen-tiny-hf"));
        var refused = Assert.Throws<InvalidDataException>(() => adapter.ApplyTo(other.Projector, other.Directory, path));
        Assert.Contains("tuned on another checkpoint", refused.Message, StringComparison.Ordinal);
    }

    private sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
