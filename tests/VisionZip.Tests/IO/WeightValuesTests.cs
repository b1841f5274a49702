using VisionZip.Models.Errors;
using VisionZip.Models.IO;
using VisionZip.Runtime;
using static TorchSharp.torch;

namespace VisionZip.Tests.IO;

/// <summary>
/// The load-time finite check: the in-place bit scan agrees with torch's <c>isfinite</c> for every dtype it reads,
/// wherever the bad value sits (vector body, tail, a later chunk), accepts the extremes of each format, and the error
/// still names the tensor and counts the bad values.
/// </summary>
public sealed class WeightValuesTests
{
    public WeightValuesTests()
    {
        TorchRuntime.EnsureLoaded();
    }

    public static TheoryData<ScalarType> DTypes => new() { ScalarType.BFloat16, ScalarType.Float16, ScalarType.Float32, ScalarType.Float64 };

    [Theory]
    [MemberData(nameof(DTypes))]
    public void Finds_nan_and_infinities_anywhere(ScalarType dtype)
    {
        const int length = 1000;                                     // not a whole number of vectors: there is a tail
        foreach (double bad in new[] { double.NaN, double.PositiveInfinity, double.NegativeInfinity })
        {
            foreach (int at in new[] { 0, 17, 500, length - 33, length - 1 })
            {
                using var scope = NewDisposeScope();
                var values = linspace(-3, 3, length, ScalarType.Float64);
                values[at] = tensor(bad, ScalarType.Float64);
                var weight = values.to(dtype).view(10, 100);
                Assert.False(WeightValues.AllFinite(weight), $"{dtype}: {bad} at {at} not found");
                Assert.False(WeightValues.AllFinite(weight, chunkBytes: 64), $"{dtype}: {bad} at {at} not found in 64-byte chunks");
                Assert.False(isfinite(weight).all().item<bool>());   // what the scan stands for
            }
        }
    }

    [Theory]
    [MemberData(nameof(DTypes))]
    public void Accepts_the_largest_finite_values_subnormals_and_zeros(ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        double max = dtype switch
        {
            ScalarType.BFloat16 => 3.3895313892515355e38,
            ScalarType.Float16 => 65504,
            ScalarType.Float32 => float.MaxValue,
            _ => double.MaxValue,
        };
        double subnormal = dtype switch
        {
            ScalarType.Float16 => 6e-8,
            ScalarType.Float64 => 5e-324,
            _ => 1e-40,
        };
        var weight = tensor(new[] { max, -max, subnormal, -subnormal, 0.0, -0.0, 1.0, -1.0 }, ScalarType.Float64).to(dtype).repeat(37);
        Assert.True(isfinite(weight).all().item<bool>());
        Assert.True(WeightValues.AllFinite(weight));
        Assert.True(WeightValues.AllFinite(weight, chunkBytes: 64));
    }

    [Fact]
    public void Non_contiguous_and_integer_tensors_take_torch_or_pass()
    {
        using var scope = NewDisposeScope();
        var values = ones(8, 8, ScalarType.BFloat16);
        values[3, 5] = tensor(float.NaN).to(ScalarType.BFloat16);
        var transposed = values.t();                                 // not contiguous: torch's isfinite
        Assert.False(transposed.is_contiguous());
        Assert.False(WeightValues.AllFinite(transposed));
        Assert.True(WeightValues.AllFinite(values.narrow(0, 4, 4).t()));
        WeightValues.RequireFinite(arange(10), "f.safetensors", "ids");  // integers are never checked
    }

    [Fact]
    public void The_error_names_the_file_and_tensor_and_counts_the_bad_values()
    {
        using var scope = NewDisposeScope();
        var weight = zeros(4, 300, ScalarType.BFloat16);
        weight[1, 7] = tensor(float.PositiveInfinity).to(ScalarType.BFloat16);
        weight[3, 299] = tensor(float.NaN).to(ScalarType.BFloat16);
        var error = Assert.Throws<CheckpointException>(() => WeightValues.RequireFinite(weight, "model.safetensors", "lm_head.weight"));
        Assert.Contains("model.safetensors", error.Message);
        Assert.Contains("'lm_head.weight'", error.Message);
        Assert.Contains("holds 2 non-finite value(s) of 1200", error.Message);
        Assert.Contains("at flat index 307", error.Message);
    }
}
