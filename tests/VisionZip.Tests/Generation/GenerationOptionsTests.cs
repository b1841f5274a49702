using VisionZip.Models.Generation;
using VisionZip.Tests.Support;

namespace VisionZip.Tests.Generation;

public class GenerationOptionsTests
{
    [Fact]
    public void Fixture_generation_config_sets_the_eos_id_and_keeps_other_defaults()
    {
        var options = GenerationOptions.FromGenerationConfig(Fixtures.Path("llava-interleave-qwen-tiny-hf", "generation_config.json"));
        Assert.Equal([758], options.EosTokenIds);
        Assert.False(options.DoSample);
        Assert.Equal((1f, 50, 1f, 1f, 256), (options.Temperature, options.TopK, options.TopP, options.RepetitionPenalty, options.MaxNewTokens));
    }

    [Fact]
    public void Every_supported_field_is_read()
    {
        string path = Path.Combine(Path.GetTempPath(), $"generation_config_{Guid.NewGuid():N}.json");
        File.WriteAllText(path, """
            { "do_sample": true, "temperature": 0.7, "top_k": 0, "top_p": 0.9, "repetition_penalty": 1.1,
              "max_new_tokens": 64, "eos_token_id": [128001, 128009], "stop_strings": "###", "max_length": 20 }
            """);
        try
        {
            var options = GenerationOptions.FromGenerationConfig(path, new GenerationOptions { Seed = 3 });
            Assert.True(options.DoSample);
            Assert.Equal((0.7f, 0, 0.9f, 1.1f, 64), (options.Temperature, options.TopK, options.TopP, options.RepetitionPenalty, options.MaxNewTokens));
            Assert.Equal([128001, 128009], options.EosTokenIds);
            Assert.Equal(["###"], options.StopStrings);
            Assert.Equal(3, options.Seed);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_field_of_the_wrong_type_names_the_file_and_field()
    {
        var error = Assert.Throws<InvalidDataException>(() =>
            GenerationOptions.FromJson(System.Text.Json.JsonDocument.Parse("""{ "top_k": "many" }""").RootElement, "gen.json"));
        Assert.Contains("gen.json", error.Message);
        Assert.Contains("'top_k'", error.Message);
    }

    [Fact]
    public void Validate_names_the_bad_field_and_value()
    {
        var error = Assert.Throws<ArgumentException>(() => new GenerationOptions { Temperature = -1 }.Validate());
        Assert.Equal("Temperature", error.ParamName);
        Assert.Contains("-1", error.Message);
        Assert.Equal("RepetitionPenalty", Assert.Throws<ArgumentException>(() => new GenerationOptions { RepetitionPenalty = 0 }.Validate()).ParamName);
        Assert.Equal("TopK", Assert.Throws<ArgumentException>(() => new GenerationOptions { TopK = -2 }.Validate()).ParamName);
    }
}
