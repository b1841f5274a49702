using VisionZip.Models;
using VisionZip.Models.Imaging;
using VisionZip.Models.Llava;
using VisionZip.Tests.Support;
using static TorchSharp.torch;

namespace VisionZip.Tests.Llava;

/// <summary>
/// tests/fixtures/llava-interleave-qwen-tiny-hf: truncated SigLIP (layer -1, 'full', no CLS) + tied Qwen2 with ChatML,
/// vanilla and VisionZip 54+10, end to end from the photo.
/// </summary>
public sealed class LlavaInterleaveParityTests(LlavaInterleaveFixture fixture) : IClassFixture<LlavaInterleaveFixture>
{
    private const string Question = "What is shown in this image?";

    private VisionLanguageModel Pipeline => fixture.Pipeline;

    [Fact]
    public void Loads_a_tied_qwen2_without_lm_head_and_siglip_full_features()
    {
        Assert.Null(Pipeline.TensorNames.LmHead);
        Assert.True(Pipeline.Config.TieWordEmbeddings);
        Assert.Equal(729, Pipeline.VanillaTokenCount);
    }

    [Fact]
    public void Prompt_ids_come_from_the_chat_template()
    {
        Assert.Equal("<|im_start|>user\n<image>\nWhat is shown in this image?<|im_end|>\n<|im_start|>assistant\n", Pipeline.FormatPrompt(Question));
        using var scope = NewDisposeScope();
        TensorAssert.Equal(fixture.Golden.Read("input_ids"), tensor(Pipeline.PromptIds(Question)).unsqueeze(0), "input_ids");
    }

    [Theory]
    [InlineData("vanilla")]
    [InlineData("zip")]
    public void Image_matches_features_embeddings_logits_and_greedy_tokens(string path)
    {
        using var scope = NewDisposeScope();
        ZipBudget? budget = path == "zip" ? new ZipBudget(54, 10) : null;
        using var image = Pipeline.EncodeImage(LlavaCheckpointFixture.Photo, budget);
        var golden = fixture.Golden;

        TensorAssert.Close(golden.Read($"{path}.image_features")[0], image.ImageFeatures[0], $"{path}.image_features");
        TensorAssert.Close(golden.Read($"{path}.projected")[0], image.Projected!, $"{path}.projected");
        if (budget is not null)
        {
            TensorAssert.Equal(golden.Read("zip.kept"), image.Zip!.KeptIndices, "zip.kept");
            TensorAssert.Equal(golden.Read("zip.targets"), image.Zip.ContextualTargets, "zip.targets");
        }

        long[] ids = Pipeline.PromptIds(Question);
        TensorAssert.Close(golden.Read($"{path}.inputs_embeds"), Pipeline.EmbedPrompt(ids, [image]), $"{path}.inputs_embeds");

        using var cache = Pipeline.LanguageModel.CreateCache();
        using (var prefill = Pipeline.Prefill(ids, [image], cache))
        {
            TensorAssert.Close(golden.Read($"{path}.last_logits"), prefill.Logits, $"{path}.last_logits");
        }

        var answer = Pipeline.Generate(ids, [image], Pipeline.DefaultGenerationOptions with
        {
            DoSample = false, MaxNewTokens = 8, EosTokenIds = [], ReturnLogits = true,
        });
        using var tokens = tensor(answer.Tokens.Select(id => (long)id).ToArray()).unsqueeze(0);
        using var logits = answer.Generation.StepLogitsTensor();
        TensorAssert.Equal(golden.Read($"{path}.greedy_tokens"), tokens, $"{path}.greedy_tokens");
        TensorAssert.Close(golden.Read($"{path}.greedy_logits"), logits, $"{path}.greedy_logits");
        Assert.Equal(golden.Read($"{path}.greedy_tokens").data<long>().ToArray().Length, answer.Tokens.Count);
    }

    [Fact]
    public void Expanded_prompt_ids_give_the_same_embeddings()
    {
        using var scope = NewDisposeScope();
        using var image = Pipeline.EncodeImage(LlavaCheckpointFixture.Photo);
        long[] expanded = fixture.Golden.Read("input_ids_expanded.vanilla").data<long>().ToArray();

        TensorAssert.Close(fixture.Golden.Read("vanilla.inputs_embeds"), Pipeline.EmbedPrompt(expanded, [image]), "vanilla.inputs_embeds from expanded ids");
    }

    [Fact]
    public void Chat_follow_up_closes_the_chatml_turn_and_matches_a_prefill_from_scratch()
    {
        using var session = new ChatSession(Pipeline, new ZipBudget(54, 10));
        var options = Pipeline.DefaultGenerationOptions with { DoSample = false, MaxNewTokens = 3, EosTokenIds = [], ReturnLogits = true };
        var first = session.Ask(Question, [ImageDecoder.Load(LlavaCheckpointFixture.Photo)], options);

        var second = session.Ask("Is it hot?", options: options);

        // The previous answer's pending token, its closing <|im_end|>\n, then the new turn as llava-interleave's template
        // writes it ('\n' + text after the images, so "user\n\n" when there are none).
        long[] expected = [first.AnswerIds[^1], .. Pipeline.Tokenize("<|im_end|>\n<|im_start|>user\n\nIs it hot?<|im_end|>\n<|im_start|>assistant\n")];
        Assert.Equal(expected.Length, second.PrefillTokens);
        Assert.Equal(expected, session.PrefilledIds.Skip(session.PrefilledIds.Count - (second.AnswerIds.Count - 1) - expected.Length).Take(expected.Length));

        using var scope = NewDisposeScope();
        using var cache = Pipeline.LanguageModel.CreateCache();
        using var scratch = Pipeline.Prefill(session.PrefilledIds.Take(session.PrefilledIds.Count - (second.AnswerIds.Count - 1)).ToList(), session.Images, cache);
        TensorAssert.Close(scratch.Logits, tensor(second.PrefillLogits!).unsqueeze(0), "turn 2 logits vs the whole conversation from scratch");
    }

    [Fact]
    public void Untied_config_without_an_lm_head_names_the_missing_tensor()
    {
        string directory = Directory.CreateTempSubdirectory("llava-untied-").FullName;
        try
        {
            foreach (string file in Directory.GetFiles(Fixtures.Path(fixture.Folder)))
            {
                File.Copy(file, Path.Combine(directory, Path.GetFileName(file)));
            }

            string configPath = Path.Combine(directory, "config.json");
            File.WriteAllText(configPath, File.ReadAllText(configPath).Replace("\"tie_word_embeddings\": true", "\"tie_word_embeddings\": false"));

            var error = Assert.Throws<InvalidDataException>(() => VisionLanguageModel.Load(directory));

            Assert.Contains("'language_model.lm_head.weight' is missing", error.Message);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void Runs_in_bfloat16_close_to_the_float32_goldens()
    {
        // bfloat16 keeps ~3 significant digits, so zip decisions and greedy tokens of these random weights may differ
        // from the float32 goldens; the vanilla logits must still point the same way.
        using var pipeline = VisionLanguageModel.Load(Fixtures.Path(fixture.Folder), ScalarType.BFloat16);
        using var image = pipeline.EncodeImage(LlavaCheckpointFixture.Photo);
        using var cache = pipeline.LanguageModel.CreateCache();

        using var prefill = pipeline.Prefill(pipeline.PromptIds(Question), [image], cache);

        using var scope = NewDisposeScope();
        Assert.Equal(ScalarType.BFloat16, image.Projected!.dtype);
        var golden = fixture.Golden.Read("vanilla.last_logits");
        double cosine = nn.functional.cosine_similarity(golden, prefill.Logits.cpu(), 1).item<float>();
        Assert.True(cosine > 0.999, $"cosine(bf16 logits, float32 golden) = {cosine}");
    }
}
