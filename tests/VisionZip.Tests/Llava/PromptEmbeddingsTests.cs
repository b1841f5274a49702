using TorchSharp;
using VisionZip.Models.IO;
using VisionZip.Models.Llava;
using VisionZip.Tests.Support;
using static TorchSharp.torch;

namespace VisionZip.Tests.Llava;

public class PromptEmbeddingsTests
{
    [Theory]
    [InlineData("llava-1.5-tiny-hf", "crop.zip", "input_ids")]
    [InlineData("llava-1.5-tiny-hf", "crop.zip", "input_ids_expanded.zip")]
    [InlineData("llava-1.5-tiny-hf", "pad.zip", "input_ids")]
    [InlineData("llava-1.5-tiny-hf", "pad.zip", "input_ids_expanded.zip")]
    [InlineData("llava-interleave-qwen-tiny-hf", "zip", "input_ids")]
    [InlineData("llava-interleave-qwen-tiny-hf", "zip", "input_ids_expanded.zip")]
    [InlineData("llava-interleave-qwen-tiny-hf", "vanilla", "input_ids")]
    [InlineData("llava-interleave-qwen-tiny-hf", "vanilla", "input_ids_expanded.vanilla")]
    public void Merged_embeddings_match_the_golden_inputs_embeds(string folder, string path, string ids)
    {
        using var scope = NewDisposeScope();
        string directory = Fixtures.Path(folder);
        using var golden = SafetensorsFile.Open(Path.Combine(directory, "golden.safetensors"));
        using var checkpoint = SafetensorsCheckpoint.Open(directory);
        var config = LlavaConfig.Load(directory);
        var names = LlavaTensorNames.Detect(checkpoint.Names, checkpoint.Source);
        var embedWeight = checkpoint.Read(names.EmbedTokens, ScalarType.Float32);   // [V, D]

        var merged = PromptEmbeddings.Merge(
            golden.Read(ids),
            [golden.Read(path + ".projected")],
            config.ImageTokenIndex,
            tokens => embedWeight.index_select(0, tokens.flatten()).unsqueeze(0));

        TensorAssert.Close(golden.Read(path + ".inputs_embeds"), merged, $"{folder} {path}.inputs_embeds from {ids}");
    }

    [Fact]
    public void Expanded_ids_keep_text_and_spans_in_place()
    {
        long[] ids = [1, 5, 9, 6, 9, 7];

        var collapsed = ImagePlaceholders.Locate(ids, [3, 2], imageTokenId: 9);
        var expanded = ImagePlaceholders.Locate(collapsed.ExpandedIds, [3, 2], imageTokenId: 9);

        Assert.Equal([1L, 5, 9, 9, 9, 6, 9, 9, 7], collapsed.ExpandedIds);
        Assert.Equal([(2, 3), (6, 2)], collapsed.Spans);
        Assert.False(collapsed.InputWasExpanded);
        Assert.True(expanded.InputWasExpanded);
        Assert.Equal(collapsed.ExpandedIds, expanded.ExpandedIds);
        Assert.Equal(collapsed.Spans, expanded.Spans);
    }

    [Fact]
    public void Adjacent_expanded_images_split_by_token_count()
    {
        var placeholders = ImagePlaceholders.Locate([1, 9, 9, 9, 9, 9, 2], [2, 3], imageTokenId: 9);

        Assert.Equal([(1, 2), (3, 3)], placeholders.Spans);
    }

    [Fact]
    public void Rows_replace_placeholders_and_text_rows_are_embedded()
    {
        using var scope = NewDisposeScope();
        var table = arange(0, 40, dtype: ScalarType.Float32).reshape(10, 4);        // row r = [4r .. 4r+3]
        var image = full(2, 4, -1f);

        var merged = PromptEmbeddings.Merge(tensor(new long[] { 1, 9, 3 }).unsqueeze(0), [image], 9,
            tokens => table.index_select(0, tokens.flatten()).unsqueeze(0));

        var expected = stack([table[1], image[0], image[1], table[3]]).unsqueeze(0);
        TensorAssert.Close(expected, merged, "merged");
    }

    [Fact]
    public void More_placeholders_than_images_names_both_counts()
    {
        var error = Assert.Throws<ArgumentException>(() => ImagePlaceholders.Locate([1, 9, 2, 9], [64], imageTokenId: 9));

        Assert.Contains("2 <image> placeholder tokens (id 9)", error.Message);
        Assert.Contains("1 image(s)", error.Message);
        Assert.Contains("expected 1", error.Message);
        Assert.Contains("or 64", error.Message);
    }

    [Fact]
    public void Placeholders_but_no_images_is_an_error()
    {
        var error = Assert.Throws<ArgumentException>(() => ImagePlaceholders.Locate([1, 9, 2], [], imageTokenId: 9));

        Assert.Contains("1 <image> placeholder tokens", error.Message);
        Assert.Contains("0 image(s)", error.Message);
    }

    [Fact]
    public void Expanded_run_shorter_than_the_image_names_run_and_token_count()
    {
        // 3 + 1 placeholders for two images of 2 tokens: the total matches, the runs do not.
        var error = Assert.Throws<ArgumentException>(() => ImagePlaceholders.Locate([1, 9, 9, 9, 2, 9], [2, 2], imageTokenId: 9));

        Assert.Contains("image 1 has 2 visual tokens", error.Message);
        Assert.Contains("at position 3 has 1", error.Message);
    }

    [Fact]
    public void Expanded_run_length_mismatch_names_the_runs()
    {
        var error = Assert.Throws<ArgumentException>(() => ImagePlaceholders.Locate([1, 9, 9, 9, 2], [64], imageTokenId: 9));

        Assert.Contains("3 <image> placeholder tokens", error.Message);
        Assert.Contains("3@1", error.Message);
        Assert.Contains("[64]", error.Message);
    }

    [Fact]
    public void Feature_width_other_than_the_embedding_width_is_rejected()
    {
        using var scope = NewDisposeScope();
        var table = zeros(10, 4);

        var error = Assert.Throws<ArgumentException>(() => PromptEmbeddings.Merge(tensor(new long[] { 1, 9 }).unsqueeze(0), [zeros(2, 5)], 9,
            tokens => table.index_select(0, tokens.flatten()).unsqueeze(0)));

        Assert.Contains("image 0", error.Message);
        Assert.Contains("width 4", error.Message);
    }

    [Fact]
    public void Batched_input_ids_are_rejected()
    {
        using var scope = NewDisposeScope();

        var error = Assert.Throws<ArgumentException>(() => PromptEmbeddings.Merge(zeros(2, 3, dtype: ScalarType.Int64), [], 9, t => t));

        Assert.Contains("[2, 3]", error.Message);
        Assert.Equal("inputIds", error.ParamName);
    }
}
